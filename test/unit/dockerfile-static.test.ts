import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestGateway } from '../helpers/gateway';

/**
 * The Dockerfile, checked without a Docker engine (none runs here): a pinned Node 20 LTS base,
 * a build stage that runs the project's own scripts, a runtime stage with production
 * dependencies only whose files, laid out as its COPY lines say and started with its CMD and
 * ENV, serve the gateway; a non-root user and a health check that tells a serving gateway from
 * a stopped one.
 */
const ROOT = path.join(__dirname, '..', '..');
const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with line continuations joined and comments dropped. */
const instructions: Instruction[] = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [op = '', ...rest] = l.split(/\s+/);
    return { op: op.toUpperCase(), args: rest.join(' ') };
  });

const args = Object.fromEntries(
  instructions
    .filter((i) => i.op === 'ARG')
    .map((i) => {
      const [name = '', value = ''] = i.args.split('=');
      return [name, value];
    }),
);
const resolve = (value: string) => value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => args[a ?? b ?? ''] ?? '');

/** Stages in order, each with its instructions. */
const stages: Array<{ from: string; name: string; body: Instruction[] }> = [];
for (const instruction of instructions) {
  if (instruction.op === 'FROM') {
    const [image = '', , name = ''] = instruction.args.split(/\s+/);
    stages.push({ from: resolve(image), name, body: [] });
  } else {
    stages.at(-1)?.body.push(instruction);
  }
}
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  engines: { node: string };
};
const build = stages[0];
const runtime = stages.at(-1);
const all = (stage: typeof runtime, op: string) => stage?.body.filter((i) => i.op === op) ?? [];
/** The runtime stage's ENV, as variables. */
function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of all(runtime, 'ENV')) for (const [, name = '', value = ''] of i.args.matchAll(/(\w+)=(\S+)/g)) env[name] = value;
  return env;
}

describe('Dockerfile', () => {
  it('builds from a pinned Node 20 LTS image in two stages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:20\.\d+\.\d+-(bookworm|bullseye)-slim(@sha256:[0-9a-f]{64})?$/);
    expect(pkg.engines.node).toBe('>=20.0.0');
  });

  it("compiles in the build stage with dev dependencies, through the project's own build script", () => {
    const runs = all(build, 'RUN').map((i) => i.args);
    expect(runs.some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs).toContain('npm run build');
    // Every `npm run x` of any stage is a script package.json has.
    const scripts = stages.flatMap((s) => all(s, 'RUN').flatMap((i) => [...i.args.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1])));
    for (const script of scripts) expect([script, pkg.scripts[script ?? ''] !== undefined]).toEqual([script, true]);
    // What the runtime copies out of the build stage is what that script writes.
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string } };
    expect(tsconfig.compilerOptions.outDir).toBe('dist');
  });

  it('ships production dependencies and the compiled gateway only', () => {
    const runs = all(runtime, 'RUN').map((i) => i.args);
    expect(runs.filter((r) => /\bnpm (ci|install)\b/.test(r)).every((r) => r.includes('--omit=dev'))).toBe(true);
    expect(runs.some((r) => r.startsWith('npm ci --omit=dev'))).toBe(true);
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain(`--from=${build?.name} /app/dist ./dist`);
    expect(copies.some((c) => c.startsWith('. ') || c === '. .')).toBe(false);
    expect(
      all(runtime, 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toContain('NODE_ENV=production');
  });

  it("applies the project's dependency patches (patches/) in both stages, as npm ci's postinstall does", () => {
    expect(pkg.scripts.postinstall).toMatch(/^patch-package\b/);
    // A production install (--omit=dev) must still be able to apply them.
    expect(pkg.dependencies['patch-package']).toBeDefined();
    for (const stage of [build, runtime]) {
      expect(all(stage, 'COPY').map((i) => i.args)).toContain('patches ./patches');
      const install = all(stage, 'RUN').find((i) => /\bnpm ci\b/.test(i.args))?.args ?? '';
      // --ignore-scripts skips the postinstall, so the install runs patch-package itself.
      expect(install).toMatch(/npm ci .*&& npx patch-package --error-on-fail/);
    }
  });

  it('runs as a non-root user, with a health check on /healthz', () => {
    const users = all(runtime, 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const health = all(runtime, 'HEALTHCHECK').map((i) => i.args);
    expect(health).toHaveLength(1);
    expect(health[0]).toMatch(/--interval=\d+s/);
    expect(health[0]).toContain('/healthz');
    // The check needs no tool the slim image lacks (curl, wget): Node's own fetch.
    expect(health[0]).toMatch(/CMD \["node", "-e", "fetch\(/);
    const userAt = runtime?.body.findIndex((i) => i.op === 'USER') ?? -1;
    const cmdAt = runtime?.body.findIndex((i) => i.op === 'CMD') ?? -1;
    expect(userAt).toBeGreaterThanOrEqual(0);
    expect(userAt).toBeLessThan(cmdAt);
  });

  it('has a health check command that passes against a serving gateway and fails without one', async () => {
    const health = all(runtime, 'HEALTHCHECK')[0]?.args ?? '';
    const command = JSON.parse(health.slice(health.indexOf('CMD ') + 4)) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const run = (port: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, command.slice(1), { env: { PATH: process.env.PATH, PORT: port }, stdio: 'ignore' });
        child.once('exit', resolve);
      });
    const gw = await startTestGateway({ redis: false });
    const port = new URL(gw.url).port;
    try {
      expect(await run(port)).toBe(0);
    } finally {
      await gw.close();
    }
    expect(await run(port)).toBe(1);
  });

  it('starts what `npm start` starts, on the port it exposes', () => {
    const cmd = JSON.parse(all(runtime, 'CMD').at(-1)?.args ?? '[]') as string[];
    // `npm start` builds, then runs node on the entry point: the image runs the same command, built.
    const started = pkg.scripts.start?.split('&&').at(-1)?.trim();
    expect(cmd.join(' ')).toBe(started);
    expect(all(runtime, 'EXPOSE').map((i) => i.args)).toEqual([runtimeEnv().PORT]);
  });

  const built = existsSync(path.join(ROOT, 'dist', 'src', 'main.js'));
  (built ? it : it.skip)(
    "serves the gateway from the runtime stage's files alone, started with its CMD and ENV",
    async () => {
      // The runtime stage's file system, as its COPY lines lay it out (the build stage's output is
      // this checkout's dist/, written by `npm run build` before the suite); dependencies linked.
      const app = mkdtempSync(path.join(tmpdir(), 'image-app-'));
      try {
        for (const copy of all(runtime, 'COPY')) {
          const parts = copy.args.split(/\s+/);
          const from = parts[0]?.startsWith('--from=') ? parts.shift() : undefined;
          const target = parts.pop() ?? '';
          for (const source of parts) {
            const local = from ? path.join(ROOT, path.relative('/app', source)) : path.join(ROOT, source);
            const dest = target.endsWith('/') || parts.length > 1 ? path.join(app, target, path.basename(source)) : path.join(app, target);
            cpSync(local, dest, { recursive: true });
          }
        }
        symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
        const cmd = JSON.parse(all(runtime, 'CMD').at(-1)?.args ?? '[]') as string[];
        expect(cmd[0]).toBe('node');
        // The image runs with NODE_ENV=production, where no endpoint refuses the start (exit 78,
        // npm-start.test.ts): the simulators serve only when SIMULATE=1 asks.
        const env = { PATH: process.env.PATH, ...runtimeEnv(), SIMULATE: '1', PORT: '0', HOST: '127.0.0.1' };
        const child = spawn(process.execPath, cmd.slice(1), { cwd: app, env });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        const exited = new Promise((r) => child.once('exit', r));
        try {
          const url = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`the image's command did not start:\n${output}`)), 45000);
            child.stdout.on('data', () => {
              const m = /gateway listening on (http:\/\/[^\s"]+)\/graphql/.exec(output);
              if (m?.[1]) {
                clearTimeout(timer);
                resolve(m[1]);
              }
            });
            child.once('exit', (code) => reject(new Error(`the image's command exited with ${code}:\n${output}`)));
          });
          expect((await fetch(`${url}/healthz`)).status).toBe(200);
          const res = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ gatewayInfo { simulated } }' }),
          });
          expect(await res.json()).toEqual({ data: { gatewayInfo: { simulated: true } } });
          // NODE_ENV=production from the stage's ENV: JSON log lines.
          expect(output.split('\n').find((l) => l.includes('gateway listening on'))).toMatch(/^\{/);
        } finally {
          child.kill('SIGTERM');
          await exited;
        }
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
      // A busy machine can take many seconds to start a Node process that loads the whole gateway.
    },
    60_000,
  );

  it('copies only files that exist, and keeps local clutter out of the build context', () => {
    for (const stage of stages) {
      for (const copy of all(stage, 'COPY')) {
        if (copy.args.startsWith('--from=')) continue;
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources) expect([source, existsSync(path.join(ROOT, source))]).toEqual([source, true]);
      }
    }
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', 'test-output', '.env']));
  });
});
