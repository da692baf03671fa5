import type { HuaweiCredentials } from '../../auth/huawei-auth';
import { UpstreamBadResponseError, UpstreamHttpError } from '../../errors';
import { path, type UpstreamClient } from '../http-client';

/** RTS software deployments: `GET /v1/{project_id}/software_deployments[/{id}]` (seed: rts-software-deployments.md). */
export class RtsClient {
  constructor(private readonly http: UpstreamClient) {}

  /** Deployments of a project, of one server when `serverId` is given. Elements stay `unknown` until mapped. */
  async listDeployments(
    projectId: string,
    serverId: string | undefined,
    credentials: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<unknown[]> {
    const res = await this.http.request({
      method: 'GET',
      path: path`/v1/${projectId}/software_deployments`,
      query: { server_id: serverId },
      read: true,
      auth: credentials.authenticator,
      signal,
    });
    const list = (res.body as { software_deployments?: unknown } | undefined)?.software_deployments;
    if (!Array.isArray(list)) throw new UpstreamBadResponseError('rts', 'software_deployments is not an array', res.status);
    return list as unknown[];
  }

  /** One deployment, or null when RTS does not know it (404). */
  async getDeployment(projectId: string, id: string, credentials: HuaweiCredentials, signal?: AbortSignal): Promise<unknown> {
    try {
      const res = await this.http.request({
        method: 'GET',
        path: path`/v1/${projectId}/software_deployments/${id}`,
        read: true,
        auth: credentials.authenticator,
        signal,
      });
      const one = (res.body as { software_deployment?: unknown } | undefined)?.software_deployment;
      if (one === undefined || one === null) throw new UpstreamBadResponseError('rts', 'software_deployment is missing', res.status);
      return one;
    } catch (err) {
      if (err instanceof UpstreamHttpError && err.statusCode === 404) return null;
      throw err;
    }
  }
}
