import type { HuaweiCredentials } from '../../auth/huawei-auth';
import { UpstreamBadResponseError } from '../../errors';
import { path, type UpstreamClient } from '../http-client';

/** CodeArts Pipeline API: `POST /v5/{project_id}/api/pipelines/status`. */
export class PipelineClient {
  constructor(private readonly http: UpstreamClient) {}

  /**
   * Latest runs of `pipelineIds` in one project. The upstream returns only pipelines that have
   * a run; the caller matches them by `pipeline_id`. Elements stay `unknown` until mapped.
   */
  async batchLatestStatus(
    projectId: string,
    pipelineIds: readonly string[],
    credentials: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<unknown[]> {
    const res = await this.http.request({
      method: 'POST',
      path: path`/v5/${projectId}/api/pipelines/status`,
      json: pipelineIds,
      // A POST that only reads: safe to retry.
      read: true,
      auth: credentials.authenticator,
      signal,
    });
    if (!Array.isArray(res.body)) throw new UpstreamBadResponseError('pipeline', 'status answer is not an array', res.status);
    return res.body as unknown[];
  }
}
