import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/** The environment of a user who configured nothing (NODE_ENV unset: development). */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', ...extra };
}

async function startMain(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const child = spawn(process.execPath, [MAIN], { env });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 15000);
    const check = () => {
      const m = /gateway listening on (http:\/\/[^\s"]+)\/graphql/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  return { child, url, output: () => output };
}

const built = existsSync(MAIN);
(built ? describe : describe.skip)('npm start (the built gateway, as a user runs it)', () => {
  it('with no configuration serves from the simulators, says so first, and answers a pipelines query', async () => {
    const { child, url, output } = await startMain(bareEnv());
    try {
      const firstLines = output().split('\n').slice(0, 3).join('\n');
      expect(firstLines).toContain('SIMULATED UPSTREAMS: no upstream endpoint is configured');
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ pipelines(ids: ["d19799d619424b2bb2625ec2d93ea087"]) { id latestRun { status runNumber } } }' }),
      });
      expect(await res.json()).toEqual({
        data: { pipelines: [{ id: 'd19799d619424b2bb2625ec2d93ea087', latestRun: { status: 'FAILED', runNumber: 2 } }] },
      });
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('in production serves the simulators only when SIMULATE=1 says so', async () => {
    const { child, output } = await startMain(bareEnv({ NODE_ENV: 'production', SIMULATE: '1' }));
    try {
      expect(output()).toContain('SIMULATED UPSTREAMS: SIMULATE=1');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ CODEARTS_PIPELINE_ENDPOINT: 'https://pipeline.example.com' }, 'HUAWEI_IAM_ENDPOINT'],
    // Production with nothing configured would otherwise serve fake data.
    [{ NODE_ENV: 'production' }, 'SIMULATE'],
    // A key list with no key would otherwise turn authentication off.
    [{ GATEWAY_API_KEYS: ',,,' }, 'GATEWAY_API_KEYS'],
    [{ GATEWAY_API_KEYS: '  ,  ', NODE_ENV: 'production', SIMULATE: '1' }, 'GATEWAY_API_KEYS'],
  ])('stops at start with one line naming the bad variable (%j)', async (extra, variable) => {
    const child = spawn(process.execPath, [MAIN], { env: bareEnv(extra) });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(78);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^Configuration error: ${variable}: `));
  });
});
