import { Simulator } from './simulator';
import { SIMULATED } from './defaults';
import type { HuaweiIdentityStore } from './huawei-identity';

/** A user the simulated IAM accepts for password login. */
export interface SimIamUser {
  name: string;
  password: string;
  domain: string;
}

/**
 * Simulated Huawei Cloud IAM: `POST /v3/auth/tokens` with a password identity scoped to a
 * project by name; 201 with the token in `X-Subject-Token` and `token.expires_at` 24 h ahead.
 */
export function createIamSimulator(store: HuaweiIdentityStore, users: SimIamUser[] = [defaultUser()]): Simulator {
  const sim = new Simulator('iam');
  sim.route('POST', '/v3/auth/tokens', (req) => {
    let body: unknown;
    try {
      body = req.json();
    } catch {
      return { status: 400, json: { error: { code: 400, message: 'The request body is not valid JSON.', title: 'Bad Request' } } };
    }
    const auth = (body as { auth?: Record<string, unknown> } | undefined)?.auth as
      | {
          identity?: { methods?: string[]; password?: { user?: { name?: string; password?: string; domain?: { name?: string } } } };
          scope?: { project?: { name?: string; id?: string } };
        }
      | undefined;
    const user = auth?.identity?.password?.user;
    if (!auth?.identity?.methods?.includes('password') || !user?.name || !user.password || !user.domain?.name) {
      return { status: 400, json: { error: { code: 400, message: 'Invalid identity in the request body.', title: 'Bad Request' } } };
    }
    const known = users.find((u) => u.name === user.name && u.domain === user.domain?.name);
    if (!known || known.password !== user.password) {
      return { status: 401, json: { error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } } };
    }
    const projectName = auth.scope?.project?.name ?? auth.scope?.project?.id ?? SIMULATED.iam.project;
    const issuedAt = new Date();
    const { token, expiresAt } = store.issue({ user: known.name, projects: '*' });
    return {
      status: 201,
      headers: { 'X-Subject-Token': token, 'X-Request-Id': Math.random().toString(16).slice(2) },
      json: {
        token: {
          expires_at: expiresAt.toISOString(),
          issued_at: issuedAt.toISOString(),
          methods: ['password'],
          project: { id: SIMULATED.huaweiProjectId, name: projectName, domain: { id: SIMULATED.domainId, name: known.domain } },
          user: { id: 'sim-user-id', name: known.name, domain: { id: SIMULATED.domainId, name: known.domain } },
        },
      },
    };
  });
  return sim;
}

function defaultUser(): SimIamUser {
  return { name: SIMULATED.iam.username, password: SIMULATED.iam.password, domain: SIMULATED.iam.domain };
}
