import { randomBytes } from 'node:crypto';
import { SIMULATED } from './defaults';
import { isIdentity, mayAccess, type HuaweiIdentityStore } from './huawei-identity';
import { Simulator, type SimResponse } from './simulator';

/** One software deployment as the seed documents it (snake_case). */
export type RtsDeploymentBody = {
  id: string;
  server_id: string;
  config_id: string;
  action: string;
  status: string;
  status_reason: string | null;
  input_values: Record<string, unknown> | null;
  output_values: Record<string, unknown> | null;
  creation_time: string | null;
  updated_time: string | null;
};

/** A row the simulator serves: normally a {@link RtsDeploymentBody}, anything when a test says so. */
export type RtsDeploymentRow = Record<string, unknown>;

/** The seed's response example, served in the seed's project. */
export const SEED_RTS_DEPLOYMENT: RtsDeploymentBody = {
  status: 'COMPLETE',
  server_id: 'ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5',
  config_id: '8da95794-2ad9-4979-8ae5-739ce314c5cd',
  output_values: {
    deploy_stdout: 'Writing to /tmp/barmy\nWritten to /tmp/barmy\n',
    deploy_stderr:
      '+ echo Writing to /tmp/barmy\n+ echo fu\n+ cat /tmp/barmy\n+ echo -n The file /tmp/barmy contains fu for server ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5 during CREATE\n+ echo Written to /tmp/barmy\n+ echo Output to stderr\nOutput to stderr\n',
    deploy_status_code: 0,
    result: 'The file /tmp/barmy contains fu for server ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5 during CREATE',
  },
  input_values: null,
  action: 'CREATE',
  status_reason: 'Outputs received',
  id: 'ef422fa5-719a-419e-a10c-72e3a367b0b8',
  creation_time: '2015-01-31T15:12:36Z',
  updated_time: '2015-01-31T15:18:21Z',
};

/**
 * Besides the seed's: one still running on the same server (with inputs and zone-less times,
 * which RTS also writes), one that failed on a second server (times with an offset).
 */
export const SIM_RTS_DEPLOYMENTS: readonly RtsDeploymentBody[] = [
  SEED_RTS_DEPLOYMENT,
  {
    status: 'IN_PROGRESS',
    server_id: 'ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5',
    config_id: '3c1a2b9e-5d7f-4e8a-9b0c-1d2e3f4a5b6c',
    output_values: null,
    input_values: { foo: 'fu', bar: 42, deploy_signal_transport: 'TEMP_URL_SIGNAL' },
    action: 'UPDATE',
    status_reason: 'Deploy data available',
    id: '6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d',
    creation_time: '2015-02-01 10:00:00',
    updated_time: '2015-02-01 10:00:05',
  },
  {
    status: 'FAILED',
    server_id: 'a7f3c2d1-8e9b-4a6c-b5d4-e3f2a1b0c9d8',
    config_id: '8da95794-2ad9-4979-8ae5-739ce314c5cd',
    output_values: {
      deploy_stdout: '',
      deploy_stderr: '+ cat /tmp/missing\ncat: /tmp/missing: No such file or directory\n',
      deploy_status_code: 1,
    },
    input_values: { foo: 'fu' },
    action: 'CREATE',
    status_reason: 'deploy_status_code : Deployment exited with non-zero status code: 1',
    id: 'd4c3b2a1-0f9e-4d8c-8b7a-6f5e4d3c2b1a',
    creation_time: '2015-02-02T09:30:00+08:00',
    updated_time: '2015-02-02T09:31:12+08:00',
  },
];

const PROJECT_ID = /^[A-Za-z0-9]{32}$/;

/**
 * Simulated RTS (Resource Template Service) software deployments:
 * `GET /v1/{project_id}/software_deployments[?server_id=]` → `{"software_deployments": [...]}` and
 * `GET /v1/{project_id}/software_deployments/{id}` → `{"software_deployment": {...}}`.
 *
 * Tokens and AK/SK signatures are checked against the shared {@link HuaweiIdentityStore} (401
 * from the API gateway, 403 for a project the identity may not use). A malformed project id is
 * 400, an unknown deployment 404 in RTS's (OpenStack Heat) error shape. The seed's project holds
 * {@link SIM_RTS_DEPLOYMENTS}; every other project is empty until {@link setDeployments}.
 */
export class RtsSimulator extends Simulator {
  private readonly deployments = new Map<string, RtsDeploymentRow[]>();

  constructor(private readonly identities: HuaweiIdentityStore) {
    super('rts');
    this.setDeployments(SIMULATED.huaweiProjectId, SIM_RTS_DEPLOYMENTS);
    this.route('GET', '/v1/:projectId/software_deployments', (req) => {
      const denied = this.guard(req.params.projectId ?? '', req);
      if (denied) return denied;
      const serverId = req.query.get('server_id');
      const rows = this.deploymentsOf(req.params.projectId ?? '').filter((d) => serverId === null || d.server_id === serverId);
      return { status: 200, json: { software_deployments: rows } };
    });
    this.route('GET', '/v1/:projectId/software_deployments/:id', (req) => {
      const denied = this.guard(req.params.projectId ?? '', req);
      if (denied) return denied;
      const row = this.deploymentsOf(req.params.projectId ?? '').find((d) => d.id === req.params.id);
      if (!row) return heatError(404, 'Not Found', 'NotFound', `The Software Deployment (${req.params.id ?? ''}) could not be found.`);
      return { status: 200, json: { software_deployment: row } };
    });
  }

  /** Replaces the deployments of a project. */
  setDeployments(projectId: string, rows: readonly RtsDeploymentRow[]): this {
    this.deployments.set(projectId, [...rows]);
    return this;
  }

  /** Changes one deployment's fields (its status...) as RTS would while it deploys. */
  updateDeployment(projectId: string, id: string, patch: Partial<RtsDeploymentBody>): this {
    this.deployments.set(
      projectId,
      this.deploymentsOf(projectId).map((d) => (d.id === id ? { ...d, ...patch } : d)),
    );
    return this;
  }

  deploymentsOf(projectId: string): RtsDeploymentRow[] {
    return this.deployments.get(projectId) ?? [];
  }

  private guard(projectId: string, req: Parameters<HuaweiIdentityStore['authenticate']>[0]): SimResponse | undefined {
    const identity = this.identities.authenticate(req);
    if (!isIdentity(identity)) return identity;
    if (!PROJECT_ID.test(projectId)) return heatError(400, 'Bad Request', 'InvalidProject', 'The project ID is invalid.');
    if (!mayAccess(identity, projectId)) return heatError(403, 'Forbidden', 'Forbidden', 'You are not authorized to access this project.');
    return undefined;
  }
}

/** RTS answers errors the way OpenStack Heat does: `{code, title, explanation, error: {type, message}}`. */
function heatError(status: number, title: string, type: string, message: string): SimResponse {
  return {
    status,
    headers: { 'x-request-id': randomBytes(16).toString('hex') },
    json: { code: status, title, explanation: message, error: { type, message, traceback: null } },
  };
}
