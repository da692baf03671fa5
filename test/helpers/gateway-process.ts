import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ENDPOINT_VARIABLES, UPSTREAM_NAMES } from '../../src/config';
import { SIMULATED, type SimulatedUpstreams } from '../../src/simulators';
import { freePort } from './redis-server';

/** The built gateway (`npm run build`, which `npm test` runs first). */
export const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');
export const BUILT = existsSync(MAIN);

/** The variables that point a gateway at the simulators, with the credentials they know. */
export function simulatorEnv(sims: SimulatedUpstreams): Record<string, string> {
  const env: Record<string, string> = {
    HUAWEI_IAM_USERNAME: SIMULATED.iam.username,
    HUAWEI_IAM_PASSWORD: SIMULATED.iam.password,
    HUAWEI_IAM_DOMAIN: SIMULATED.iam.domain,
    HUAWEI_IAM_PROJECT: SIMULATED.iam.project,
    CODEARTS_PROJECT_ID: SIMULATED.codeartsProjectId,
    HUAWEI_PROJECT_ID: SIMULATED.huaweiProjectId,
    HUAWEI_DOMAIN_ID: SIMULATED.domainId,
    BANDWIDTH_USERNAME: SIMULATED.bandwidth.username,
    BANDWIDTH_PASSWORD: SIMULATED.bandwidth.password,
    BANDWIDTH_ACCOUNT_ID: SIMULATED.bandwidth.accountId,
    COMESTRI_API_TOKEN: SIMULATED.comestri.token,
    COMESTRI_EMAIL: SIMULATED.comestri.email,
  };
  for (const name of UPSTREAM_NAMES) {
    const endpoint = sims.endpoints[name];
    if (endpoint) env[ENDPOINT_VARIABLES[name]] = endpoint;
  }
  return env;
}

/** A gateway in a process of its own, as `npm start` runs it: a crash shows as an exit. */
export interface GatewayProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything it wrote so far (stdout and stderr). */
  output(): string;
  /** Null while running; the exit code (or signal) once it ended. */
  exited(): string | null;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `dist/src/main.js` on a free loopback port with `env` (LOG_LEVEL=warn unless given:
 * thousands of request lines would cost more than the requests) and waits for /healthz.
 */
export async function startGatewayProcess(env: Record<string, string>, nodeFlags: string[] = []): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, MAIN], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
  });
  let output = '';
  // Set by the 'exit' listener (a holder, so the compiler does not narrow it to its first value).
  const ended: { exit: string | null } = { exit: null };
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.once('exit', (code, signal) => (ended.exit = String(code ?? signal)));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20000;
  for (;;) {
    if (ended.exit !== null) throw new Error(`gateway exited with ${ended.exit}:\n${output}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not start:\n${output}`);
    }
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url,
    output: () => output,
    exited: () => ended.exit,
    async stop() {
      if (ended.exit !== null) return Number(ended.exit);
      const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return done;
    },
  };
}
