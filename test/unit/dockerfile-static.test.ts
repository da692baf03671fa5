import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestGateway } from '../helpers/gateway';

/**
 * The Dockerfile, checked statically (no Docker engine runs here): a pinned Node 20 LTS base,
 * a build stage with dev dependencies and a runtime stage with production ones only, a
 * non-root user, a health check on /healthz, and only files that exist copied in.
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
const build = stages[0];
const runtime = stages.at(-1);
const all = (stage: typeof runtime, op: string) => stage?.body.filter((i) => i.op === op) ?? [];

describe('Dockerfile', () => {
  it('builds from a pinned Node 20 LTS image in two stages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:20\.\d+\.\d+-(bookworm|bullseye)-slim(@sha256:[0-9a-f]{64})?$/);
    const engines = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=20.0.0');
  });

  it('compiles in the build stage with dev dependencies', () => {
    const runs = all(build, 'RUN').map((i) => i.args);
    expect(runs.some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs).toContain('npm run build');
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
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
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

  it('starts the compiled entry point on the port it exposes', () => {
    expect(all(runtime, 'CMD').at(-1)?.args).toBe('["node", "dist/src/main.js"]');
    expect(existsSync(path.join(ROOT, 'src', 'main.ts'))).toBe(true);
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect([tsconfig.compilerOptions.outDir, tsconfig.compilerOptions.rootDir]).toEqual(['dist', '.']);
    expect(all(runtime, 'EXPOSE').map((i) => i.args)).toEqual(['4000']);
    expect(
      all(runtime, 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/PORT=4000/);
  });

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
