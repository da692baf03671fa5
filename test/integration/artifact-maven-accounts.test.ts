import { Writable } from 'node:stream';
import pino from 'pino';
import Redis from 'ioredis';
import { SHARED_REDIS_URL, startTestGateway, type TestGateway } from '../helpers/gateway';
import { logCapture } from '../helpers/log-capture';
import { REDACTED_PATHS } from '../../src/observability/logger';
import { SEED_MAVEN_PASSWORD, SEED_PROJECT, repoId } from '../../src/simulators/artifact-seed';

/** A logger at trace level whose lines this test can read (and the suite-wide capture scans). */
function recordingLogger(lines: string[]) {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      logCapture.push(chunk.toString('utf8'));
      cb();
    },
  });
  return pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream);
}

/** Every value the gateway wrote under its cache prefix in the shared Redis. */
async function cachedValues(prefix: string): Promise<string> {
  const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const values: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) values.push(key, (await redis.get(key).catch(() => '')) ?? '');
    } while (cursor !== '0');
    return values.join('\n');
  } finally {
    redis.disconnect();
  }
}

const Q = `query($p: ID, $policy: String, $access: String, $ids: [ID!], $d: Boolean) {
  mavenRepositories(projectId: $p, policy: $policy, access: $access, ids: $ids, includeDefault: $d) { id name displayName policy type projectId url username password }
}`;

describe('artifact Maven accounts: passwords hidden by default', () => {
  const lines: string[] = [];
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ deps: { logger: recordingLogger(lines) } });
  });
  afterAll(() => gw.close());

  it('answers the accounts without the password, sending each filter upstream', async () => {
    const res = await gw.query(Q, { p: SEED_PROJECT, policy: 'release', access: 'r', d: false });
    expect(res.body.errors).toBeUndefined();
    const rows = res.body.data?.mavenRepositories as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.id)).toEqual([repoId('maven_1_11'), repoId('maven_1_201'), repoId('maven_5_120')]);
    expect(rows[2]).toEqual({
      id: repoId('maven_5_120'),
      name: 'adasasfsafdasdfasd',
      displayName: 'adasasfsafdasdfasd',
      policy: 'release',
      type: 'virtual',
      projectId: SEED_PROJECT,
      url: `https://devrepo.devcloud.cn-north-7.ulangab.huawei.com/artgalaxy/${repoId('maven_5_120')}/`,
      username: expect.stringMatching(/^cn-north-7_5a775fdcb14f4431b6c0015618140bc3_[0-9a-f]{32}$/),
      password: null,
    });
    expect(Object.fromEntries(new URLSearchParams(gw.sims.artifact.calls[0]?.query))).toEqual({
      project_id: SEED_PROJECT,
      policy: 'release',
      access: 'r',
      default: 'false',
    });
  });

  it('refuses an unknown access mode or policy before any call', async () => {
    gw.sims.artifact.resetCalls();
    const access = await gw.query(Q, { access: 'admin' });
    const policy = await gw.query(Q, { policy: 'nightly' });
    const ids = await gw.query(Q, { ids: ['nope'] });
    for (const res of [access, policy, ids]) expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('never writes the password to a log line or to the shared cache', async () => {
    await gw.query(Q, { ids: [repoId('maven_5_120')] });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(SEED_MAVEN_PASSWORD);
    expect(await cachedValues(gw.config.cachePrefix)).not.toContain(SEED_MAVEN_PASSWORD);
  });
});

describe('artifact Maven accounts: ARTIFACT_EXPOSE_MAVEN_PASSWORDS=true', () => {
  const lines: string[] = [];
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { ARTIFACT_EXPOSE_MAVEN_PASSWORDS: 'true' }, deps: { logger: recordingLogger(lines) } });
  });
  afterAll(() => gw.close());

  it('returns the password, reads it afresh every time (never cached), and keeps it out of logs and Redis', async () => {
    const first = await gw.query(Q, { ids: [repoId('maven_5_120')] });
    expect(first.body.data?.mavenRepositories).toEqual([
      expect.objectContaining({ id: repoId('maven_5_120'), password: SEED_MAVEN_PASSWORD }),
    ]);
    expect(new URLSearchParams(gw.sims.artifact.calls[0]?.query).get('ids')).toBe(repoId('maven_5_120'));
    gw.sims.artifact.resetCalls();
    const second = await gw.query(Q, { ids: [repoId('maven_5_120')] });
    expect(second.body).toEqual(first.body);
    expect(gw.sims.artifact.callCount()).toBe(1);
    expect(lines.join('')).not.toContain(SEED_MAVEN_PASSWORD);
    expect(await cachedValues(gw.config.cachePrefix)).not.toContain(SEED_MAVEN_PASSWORD);
  });

  it('resets the deploy password: the answer carries no password, the accounts then show the new one, logged nowhere', async () => {
    gw.sims.artifact.resetCalls();
    const reset = await gw.query(`mutation { resetArtifactPassword { ok traceId message } }`);
    expect(reset.body.data?.resetArtifactPassword).toEqual({
      ok: true,
      traceId: expect.any(String),
      message: 'The Artifact deploy password was reset.',
    });
    expect(gw.sims.artifact.calls[0]).toMatchObject({ method: 'POST', path: '/cloudartifact/v5/maven/users/me' });

    const after = await gw.query(Q, { ids: [repoId('maven_5_120')] });
    const [row] = after.body.data?.mavenRepositories as Array<{ password: string }>;
    expect(row?.password).toEqual(expect.any(String));
    expect(row?.password).not.toBe(SEED_MAVEN_PASSWORD);
    expect(JSON.stringify(reset.body)).not.toContain(row?.password ?? '');
    expect(lines.join('')).not.toContain(row?.password ?? '');
    expect(await cachedValues(gw.config.cachePrefix)).not.toContain(row?.password ?? '');
  });
});
