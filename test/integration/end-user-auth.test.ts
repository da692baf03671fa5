import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT, UnsecuredJWT, exportSPKI, type KeyLike } from 'jose';
import { createLogger } from '../../src/observability/logger';
import { SIMULATED } from '../../src/simulators';
import { SEED_PROJECT } from '../../src/simulators/artifact-seed';
import { SEED_CALL_ID, SEED_RECORDING_ID } from '../../src/simulators/bandwidth';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { logCapture } from '../helpers/log-capture';
import { TestOidcProvider, signingKey, type SigningKey } from '../helpers/oidc-provider';
import { GATEWAY_KEY } from '../helpers/secrets';
import { resultsOf, sseSubscribe, wsClient, wsSubscribe } from '../helpers/live-clients';

const AUDIENCE = 'https://gateway.test/graphql';
const PROJECT = SIMULATED.codeartsProjectId;
const OTHER_PROJECT = 'ffffffffffffffffffffffffffffffff';
const PROJECTS = [PROJECT, SEED_PROJECT];

/** The gateway's real logger (with its request-scope mixin), feeding the suite's secret scan and this file's checks. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk.toString('utf8');
      logCapture.push(text);
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: stream }) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const PIPELINE_QUERY = `{ pipeline(id: "${pipelineIds(1, 'jwt')[0]}") { id } }`;

/** A token signed by hand with `key`, for the cases the provider would never issue. */
async function handSigned(
  issuer: string,
  key: { privateKey: KeyLike | Uint8Array; kid?: string; alg: string },
  claims: Record<string, unknown> = {},
  options: { exp?: number; nbf?: number; iss?: string; aud?: string; sub?: string | null } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: 'gateway:read', projects: PROJECTS, ...claims })
    .setProtectedHeader({ alg: key.alg, ...(key.kid ? { kid: key.kid } : {}), typ: 'at+jwt' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(options.exp ?? now + 300);
  if (options.sub !== null) jwt.setSubject(options.sub ?? 'hand-signed-user');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}

describe('end users signed in with JWTs from a real OIDC provider', () => {
  let provider: TestOidcProvider;
  let gw: TestGateway;
  let lines: Array<Record<string, unknown>>;
  let k1: SigningKey;
  let attacker: SigningKey;
  const tokensSeen: string[] = [];

  const upstreamCalls = () => gw.sims.all().reduce((n, s) => n + s.callCount(), 0);
  const token = async (client: string, scope?: string) => {
    const t = await provider.token(client, scope);
    tokensSeen.push(t);
    return t;
  };

  beforeAll(async () => {
    k1 = await signingKey('k1');
    attacker = await signingKey('k1');
    provider = await TestOidcProvider.start({
      keys: [k1],
      audience: AUDIENCE,
      clients: [
        { clientId: 'dashboard', secret: 'dashboard-secret-0123456789', scope: 'gateway:read', tokenClaims: { projects: PROJECTS } },
        {
          clientId: 'ops-console',
          secret: 'ops-console-secret-0123456789',
          scope: 'gateway:read gateway:write',
          tokenClaims: { projects: PROJECTS },
        },
        {
          clientId: 'release-tool',
          secret: 'release-tool-secret-0123456789',
          scope: 'gateway:read artifact:secrets',
          tokenClaims: { projects: PROJECTS },
        },
        { clientId: 'partner', secret: 'partner-secret-0123456789', scope: 'gateway:read', tokenClaims: { projects: [OTHER_PROJECT] } },
        {
          clientId: 'slow-lane',
          secret: 'slow-lane-secret-0123456789',
          scope: 'gateway:read',
          tokenClaims: { projects: PROJECTS, rpm: 2 },
        },
      ],
    });
    const rec = recordingLogger();
    lines = rec.lines;
    gw = await startTestGateway({
      redis: false,
      deps: { logger: rec.logger },
      env: {
        GATEWAY_API_KEYS: GATEWAY_KEY,
        AUTH_JWT_ISSUER: provider.issuer,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        AUTH_JWT_CLAIMS: JSON.stringify({ projects: 'projects', requestsPerMinute: 'rpm' }),
        ARTIFACT_EXPOSE_MAVEN_PASSWORDS: 'true',
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await provider?.close();
  });
  beforeEach(() => {
    for (const s of gw.sims.all()) s.resetCalls();
  });

  it('a token the provider issued signs its user in; the log names the subject, never the token', async () => {
    const t = await token('dashboard');
    const res = await gw.query(PIPELINE_QUERY, undefined, { ...bearer(t), 'x-request-id': 'jwt-dashboard-1' });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(gw.sims.pipeline.callCount()).toBe(1);
    const line = lines.find((l) => l.requestId === 'jwt-dashboard-1' && l.msg === 'request');
    expect(line).toMatchObject({ caller: 'user:dashboard', status: 200 });
    expect(await (await fetch(`${gw.url}/readyz`)).json()).toMatchObject({
      signIn: { provider: provider.issuer, state: 'up', keys: 1 },
    });
  });

  it('a mutation without the write scope is FORBIDDEN before any upstream call, and audited with the subject', async () => {
    const t = await token('dashboard');
    const res = await gw.query('mutation Reset { resetArtifactPassword { ok } }', undefined, bearer(t));
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "This user's token lacks the scope gateway:write, which mutations need",
      extensions: { code: 'FORBIDDEN' },
    });
    expect(upstreamCalls()).toBe(0);
    expect(lines.filter((l) => l.audit === 'mutation').at(-1)).toMatchObject({ subject: 'dashboard', outcome: 'refused', keyId: null });
  });

  it('a mutation with the write scope (scope claim) runs, audited with the subject', async () => {
    const t = await token('ops-console');
    const res = await gw.query('mutation Reset { resetArtifactPassword { ok } }', undefined, bearer(t));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.resetArtifactPassword).toMatchObject({ ok: true });
    expect(lines.filter((l) => l.audit === 'mutation').at(-1)).toMatchObject({ subject: 'ops-console', outcome: 'ok' });
  });

  it('the write scope may also come as an scp array', async () => {
    const t = await handSigned(provider.issuer, k1, { scope: undefined, scp: ['gateway:read', 'gateway:write'] });
    const res = await gw.query('mutation { resetArtifactPassword { ok } }', undefined, bearer(t));
    expect(res.body.errors).toBeUndefined();
  });

  it('gateway keys keep working beside tokens; a bearer that is neither is 401', async () => {
    expect((await gw.query(PIPELINE_QUERY, undefined, bearer(GATEWAY_KEY))).body.errors).toBeUndefined();
    const wrong = await gw.query(PIPELINE_QUERY, undefined, bearer('not-a-key-and-not-a-token'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors?.[0]).toMatchObject({
      message: 'The bearer is neither a valid gateway key nor a well-formed token (JWT)',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const none = await gw.query(PIPELINE_QUERY);
    expect(none.status).toBe(401);
    expect(none.body.errors?.[0]?.message).toMatch(/token is required/);
  });

  describe('refuses every forged or unusable token with 401 UNAUTHENTICATED, naming the check, before any upstream call', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: Array<[string, () => Promise<string>, RegExp]> = [
      [
        'alg none (unsigned)',
        async () =>
          new UnsecuredJWT({ sub: 'x', scope: 'gateway:write' })
            .setIssuer(provider.issuer)
            .setAudience(AUDIENCE)
            .setExpirationTime('5m')
            .encode(),
        /algorithm none is not accepted/,
      ],
      [
        "HS256 keyed with the provider's public key",
        async () =>
          handSigned(provider.issuer, { alg: 'HS256', kid: 'k1', privateKey: new TextEncoder().encode(await exportSPKI(k1.publicKey)) }),
        /algorithm HS256 is not accepted/,
      ],
      ['a signature by another key under a published kid', async () => handSigned(provider.issuer, attacker), /signature does not verify/],
      ['a wrong issuer', async () => handSigned(provider.issuer, k1, {}, { iss: 'https://evil.example' }), /issuer \(iss\) is not the one/],
      [
        'a wrong audience',
        async () => handSigned(provider.issuer, k1, {}, { aud: 'https://other-api.example' }),
        /audience \(aud\) does not name/,
      ],
      ['expired beyond the 60 s leeway', async () => handSigned(provider.issuer, k1, {}, { exp: now() - 61 }), /has expired \(exp\)/],
      ['not valid yet beyond the leeway', async () => handSigned(provider.issuer, k1, {}, { nbf: now() + 120 }), /not valid yet \(nbf\)/],
      ['no subject', async () => handSigned(provider.issuer, k1, {}, { sub: null }), /no subject|sub/],
      ['malformed (three segments of garbage)', async () => 'eyJhbGciOi.bm90LWpzb24.c2ln', /malformed/],
      [
        'a payload edited after signing',
        async () => {
          const [h, , s] = (await handSigned(provider.issuer, k1)).split('.');
          const forged = Buffer.from(
            JSON.stringify({ sub: 'admin', scope: 'gateway:write', iss: provider.issuer, aud: AUDIENCE, exp: now() + 300 }),
          ).toString('base64url');
          return `${h}.${forged}.${s}`;
        },
        /signature does not verify/,
      ],
      ['a projects claim of the wrong type', async () => handSigned(provider.issuer, k1, { projects: 42 }), /"projects" claim/],
    ];
    it.each(cases)('%s', async (_name, make, reason) => {
      const t = await make();
      tokensSeen.push(t);
      const res = await gw.query(PIPELINE_QUERY, undefined, bearer(t));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gateway"');
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body.errors?.[0]?.message).toMatch(reason);
      expect(JSON.stringify(res.body)).not.toContain(t.split('.')[1]!.slice(0, 20));
      expect(upstreamCalls()).toBe(0);
    });

    it('a token expired within the 60 s leeway is still accepted', async () => {
      const t = await handSigned(provider.issuer, k1, {}, { exp: now() - 30 });
      expect((await gw.query(PIPELINE_QUERY, undefined, bearer(t))).body.errors).toBeUndefined();
    });
  });

  it('the projects claim limits projects: another project is FORBIDDEN before any upstream call', async () => {
    const t = await token('partner');
    const res = await gw.query(PIPELINE_QUERY, undefined, bearer(t));
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]).toMatchObject({
      message: `This user may not use project "${PROJECT}"`,
      extensions: { code: 'FORBIDDEN' },
    });
    expect(upstreamCalls()).toBe(0);
  });

  it('@requiresScopes: a Maven password needs artifact:secrets; without it only that field is null, with a FORBIDDEN error', async () => {
    const q = `query($p: ID) { mavenRepositories(projectId: $p) { id password } }`;
    const without = await gw.query(q, { p: SEED_PROJECT }, bearer(await token('dashboard')));
    const rows = without.body.data?.mavenRepositories as Array<{ id: string; password: string | null }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.id && r.password === null)).toBe(true);
    expect(without.body.errors?.[0]).toMatchObject({
      message: 'MavenRepository.password needs the scope artifact:secrets',
      path: ['mavenRepositories', 0, 'password'],
      extensions: { code: 'FORBIDDEN' },
    });
    const withScope = await gw.query(q, { p: SEED_PROJECT }, bearer(await token('release-tool')));
    expect(withScope.body.errors).toBeUndefined();
    const passwords = (withScope.body.data?.mavenRepositories as Array<{ password: string | null }>).map((r) => r.password);
    expect(passwords.some((p) => typeof p === 'string' && p.length > 0)).toBe(true);
    // A gateway key (a service) is governed by its key policy, not by scopes.
    const byKey = await gw.query(q, { p: SEED_PROJECT }, bearer(GATEWAY_KEY));
    expect(byKey.body.errors).toBeUndefined();
  });

  it('rate limits count per subject (the rpm claim): the third request in the minute is 429, other users unaffected', async () => {
    const t = await token('slow-lane');
    expect((await gw.query(PIPELINE_QUERY, undefined, bearer(t))).status).toBe(200);
    expect((await gw.query(PIPELINE_QUERY, undefined, bearer(await token('slow-lane')))).status).toBe(200);
    const third = await gw.query(PIPELINE_QUERY, undefined, bearer(t));
    expect(third.status).toBe(429);
    expect(third.body.errors?.[0]).toMatchObject({ message: 'This user sent too many requests', extensions: { code: 'RATE_LIMITED' } });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await gw.query(PIPELINE_QUERY, undefined, bearer(await token('dashboard')))).status).toBe(200);
  });

  it('a signed-in user gets media links bound to their subject and short-lived; the media streams with the token too', async () => {
    const t = await token('dashboard');
    const res = await gw.query(
      `query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { mediaUrl } }`,
      { c: SEED_CALL_ID, r: SEED_RECORDING_ID },
      bearer(t),
    );
    const link = (res.body.data?.recording as { mediaUrl: string }).mediaUrl;
    const params = new URL(link, gw.url).searchParams;
    expect(params.get('uid')).toMatch(/^[0-9a-f]{16}$/);
    expect(link).not.toContain('dashboard');
    expect(Number(params.get('exp')) * 1000 - Date.now()).toBeLessThanOrEqual(300_000);
    const played = await fetch(gw.url + link, { headers: { range: 'bytes=0-3' } });
    expect(played.status).toBe(206);
    const forged = new URL(link, gw.url);
    forged.searchParams.set('uid', 'f'.repeat(16));
    const refused = await fetch(forged);
    expect(refused.status).toBe(401);
    const withHeader = await fetch(gw.url + link.split('?')[0], { headers: { ...bearer(t), range: 'bytes=0-3' } });
    expect(withHeader.status).toBe(206);
  });

  it('key rotation: a token signed with a key rotated in at the provider works on its first use (one refetch)', async () => {
    const before = await provider.stats();
    const k2 = await signingKey('k2');
    await provider.rotate([k2, k1]);
    const t = await token('dashboard');
    expect(t.split('.')[0]).toBe(Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: 'k2' })).toString('base64url'));
    const res = await gw.query(PIPELINE_QUERY, undefined, bearer(t));
    expect(res.body.errors).toBeUndefined();
    expect((await provider.stats()).jwks).toBe(before.jwks + 1);
    // Tokens signed with the key rotated out of signing still verify while it is published.
    expect((await gw.query(PIPELINE_QUERY, undefined, bearer(await handSigned(provider.issuer, k1)))).body.errors).toBeUndefined();
  });

  it('unknown kids: the same kid refetches once per 30 s, and a flood of kids at most 10 times a minute', async () => {
    const start = await provider.stats();
    const bogus = await signingKey('bogus-kid-1');
    for (let i = 0; i < 3; i++) {
      const res = await gw.query(PIPELINE_QUERY, undefined, bearer(await handSigned(provider.issuer, bogus)));
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.message).toBe("The token's signing key (kid) is not one the issuer publishes");
    }
    expect((await provider.stats()).jwks).toBe(start.jwks + 1);
    const flood = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const key = await signingKey(`flood-${randomBytes(6).toString('hex')}`);
        return (await gw.query(PIPELINE_QUERY, undefined, bearer(await handSigned(provider.issuer, key)))).status;
      }),
    );
    expect(new Set(flood)).toEqual(new Set([401]));
    // This file's fetches within the last minute (start, rotation, the kid above, the flood) stay within 10.
    expect((await provider.stats()).jwks).toBeLessThanOrEqual(10);
    expect(upstreamCalls()).toBe(0);
  });

  it('the live transports sign users in too, and their claims hold there: another project is FORBIDDEN', async () => {
    const runs = `subscription($p: ID, $ids: [ID!]!) { pipelineRuns(projectId: $p, ids: $ids) { id } }`;
    const t = await token('dashboard');
    const sse = sseSubscribe(gw.url, runs, { p: PROJECT, ids: pipelineIds(1, 'jwt-live') }, { authorization: `Bearer ${t}` });
    expect((await resultsOf(sse, 1))[0]?.errors).toBeUndefined();
    sse.stop();
    const client = wsClient(gw.url, { authorization: `Bearer ${t}` });
    const ws = wsSubscribe(client, runs, { p: PROJECT, ids: pipelineIds(1, 'jwt-live-ws') });
    expect((await resultsOf(ws, 1))[0]?.errors).toBeUndefined();
    ws.stop();
    const partner = wsClient(gw.url, { authorization: `Bearer ${await token('partner')}` });
    const refused = await wsSubscribe(partner, runs, { p: PROJECT, ids: pipelineIds(1, 'jwt-live-other') }).ended;
    expect(refused).toEqual({
      how: 'error',
      error: [expect.objectContaining({ message: `This user may not use project "${PROJECT}"`, extensions: { code: 'FORBIDDEN' } })],
    });
    await client.dispose();
    await partner.dispose();
  });

  it('no log line holds any token this file used', () => {
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    for (const t of tokensSeen) expect(all).not.toContain(t.split('.')[2] || t.split('.')[1]!);
  });
});

describe('the sign-in provider down, at start and later', () => {
  let provider: TestOidcProvider;
  let gw: TestGateway;
  let k1: SigningKey;

  beforeAll(async () => {
    k1 = await signingKey('k1');
    provider = await TestOidcProvider.start({ keys: [k1], audience: AUDIENCE, clients: [] });
    await provider.stop();
    gw = await startTestGateway({
      redis: false,
      env: { GATEWAY_API_KEYS: GATEWAY_KEY, AUTH_JWT_ISSUER: provider.issuer, AUTH_JWT_AUDIENCE: AUDIENCE },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await provider?.close();
  });

  const readySignIn = async () => ((await (await fetch(`${gw.url}/readyz`)).json()) as { signIn: Record<string, unknown> }).signIn;
  const signed = (key: SigningKey) =>
    new SignJWT({ scope: 'gateway:read' })
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setIssuer(provider.issuer)
      .setAudience(AUDIENCE)
      .setSubject('user-during-outage')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);

  it('starts anyway: /readyz answers 200 and names the provider down; tokens get 503, keys keep working', async () => {
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    const signIn = await readySignIn();
    expect(['starting', 'down']).toContain(signIn.state);
    const res = await gw.query(PIPELINE_QUERY, undefined, bearer(await signed(k1)));
    expect(res.status).toBe(503);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The sign-in provider's keys could not be fetched yet: try again shortly",
      extensions: { code: 'UPSTREAM_UNAVAILABLE' },
    });
    expect(gw.sims.pipeline.callCount()).toBe(0);
    expect(await readySignIn()).toMatchObject({ state: 'down', keys: 0, lastError: expect.stringContaining('could not be reached') });
    expect((await gw.query(PIPELINE_QUERY, undefined, bearer(GATEWAY_KEY))).body.errors).toBeUndefined();
  });

  it('once the provider is back, the next token fetches the keys and works', async () => {
    await provider.restart();
    const res = await gw.query(PIPELINE_QUERY, undefined, bearer(await signed(k1)));
    expect(res.body.errors).toBeUndefined();
    expect(await readySignIn()).toMatchObject({ state: 'up', keys: 1 });
  });

  it('down again later: tokens of known keys keep working; an unknown kid is 401 and /readyz says stale', async () => {
    await provider.stop();
    expect((await gw.query(PIPELINE_QUERY, undefined, bearer(await signed(k1)))).body.errors).toBeUndefined();
    const unknown = await gw.query(PIPELINE_QUERY, undefined, bearer(await signed(await signingKey('k-new'))));
    expect(unknown.status).toBe(401);
    expect(await readySignIn()).toMatchObject({ state: 'stale', keys: 1, lastError: expect.stringContaining('could not be reached') });
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
  });
});
