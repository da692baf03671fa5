import http from 'node:http';
import net from 'node:net';
import { captureLogger, startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';

/**
 * Thousands of malformed or hostile requests, bounded in count and time: every one is answered
 * with a 4xx or a GraphQL error (never a 5xx, a non-JSON /graphql answer, a hang or a crash),
 * no promise is left rejected, and the gateway still answers /healthz afterwards.
 */
const TOTAL = 2000;
const CONCURRENCY = 8;

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** The request might be valid by chance (a mutated query): a 200 with data is then fine. */
  mayBeValid?: boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
const VALID_QUERIES = [
  `{ gatewayInfo { version simulated } }`,
  `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status runNumber } } }`,
  `{ jobs(first: 3) { totalCount nodes { id status } } }`,
  `{ softwareDeployments { id status } }`,
  `{ recordings(first: 2) { nodes { id callId } } }`,
];

function generator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const post = (kind: string, body: unknown, extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
    kind,
    method: 'POST',
    path: '/graphql',
    headers: JSON_HEADERS,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    ...extra,
  });
  const mutate = (text: string): string => {
    const chars = [...text];
    for (let i = 0, n = 1 + int(4); i < n; i++) {
      const at = int(chars.length);
      const op = int(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, pick(['{', '}', '(', ')', '$', '!', '"', '\\', '\u0000', '…', ':', '@', '#', ' ']));
      else chars[at] = String.fromCharCode(32 + int(95));
    }
    return chars.join('');
  };
  const makers: Array<() => FuzzRequest> = [
    () => post('random bytes', bytes(1 + int(300))),
    () => post('truncated JSON', JSON.stringify({ query: pick(VALID_QUERIES) }).slice(0, 1 + int(40))),
    () =>
      post(
        'invalid UTF-8',
        Buffer.concat([Buffer.from('{"query":"{ gatewayInfo { '), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(' } }"}')]),
      ),
    () => post('not an object', pick([null, 42, 'query', true, [], [[]], [1, 2]])),
    () => post('query not a string', { query: pick([42, null, {}, [], ['{ a }'], true]) }),
    () => post('variables not an object', { query: VALID_QUERIES[1], variables: pick(['ids', 42, [], true]) }),
    () =>
      post('wrong variable types', {
        query: VALID_QUERIES[1],
        variables: { ids: pick([42, 'x', [null], [1, 2], [{}], { a: 1 }, [true]]) },
      }),
    () =>
      post('invalid pipeline ids', {
        query: VALID_QUERIES[1],
        variables: { ids: [pick(['short', 'x'.repeat(33), '../../etc/passwd', '<script>', "' OR 1=1 --", ''])] },
      }),
    () =>
      post('malformed DateTime', {
        query: `query($t: DateTime) { jobs(filter: { createdFrom: $t }) { totalCount } }`,
        variables: { t: pick(['yesterday', '2024-13-45T99:99:99Z', 12, '', '2024-01-01']) },
      }),
    () => post('bad paging', { query: `{ jobs(first: ${pick([-1, 100000, 2147483648, 1e100])}) { totalCount } }` }),
    () =>
      post('bad cursor', { query: `{ jobs(after: ${JSON.stringify(pick(['%%%', 'bm9wZQ==', 'x'.repeat(500), '-1']))}) { totalCount } }` }),
    () => post('unknown field', { query: `{ ${pick(['nope', '__nope', 'pipeline', 'jobs { nope }', 'gatewayInfo { version { x } }'])} }` }),
    () =>
      post('unknown operationName', {
        query: `query A { gatewayInfo { version } } query B { gatewayInfo { simulated } }`,
        operationName: pick(['C', '', 'a', '__proto__']),
      }),
    () => post('two anonymous operations', { query: `{ gatewayInfo { version } } { gatewayInfo { simulated } }` }),
    () =>
      post(
        'prototype pollution',
        JSON.parse(
          `{"query": ${JSON.stringify(VALID_QUERIES[1])}, "variables": {"__proto__": {"ids": ["x"]}, "constructor": {"prototype": {"polluted": true}}}}`,
        ),
      ),
    () => {
      const depth = 50 + int(500);
      return post('deep nesting', { query: `{ ${'gatewayInfo { '.repeat(depth)}version${' }'.repeat(depth)} }` });
    },
    () => post('huge query', { query: `{ ${'gatewayInfo { version } '.repeat(2000 + int(2000))} }` }),
    () =>
      post('alias flood', { query: `{ ${Array.from({ length: 40 + int(200) }, (_, i) => `a${i}: gatewayInfo { version }`).join(' ')} }` }),
    () =>
      post('costly', {
        query: VALID_QUERIES[1],
        variables: { ids: Array.from({ length: 12000 }, (_, i) => i.toString(16).padStart(32, '0')) },
      }),
    () => post('fragment cycle', { query: `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }` }),
    () =>
      post('fragment bomb', {
        query: `query { ...F0 } ${Array.from({ length: 24 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F24 on Query { gatewayInfo { version } }`,
      }),
    () =>
      post('bogus persisted query', {
        extensions: { persistedQuery: { version: pick([1, 2, 'x']), sha256Hash: pick(['0'.repeat(64), 'zz', 42]) } },
      }),
    () =>
      post('mutation typo', {
        query: `mutation { ${pick(['deleteRecording', 'createRepository(input: {})', 'followArtifacts(ids: 42)', 'nope'])} { ok } }`,
      }),
    () => post('mutated query', { query: mutate(pick(VALID_QUERIES)), variables: { ids: pipelineIds(2, 'fuzz') } }, { mayBeValid: true }),
    () => post('text/plain (CSRF)', JSON.stringify({ query: VALID_QUERIES[0] }), { headers: { 'content-type': 'text/plain' } }),
    () =>
      post('form post (CSRF)', 'query=%7B+gatewayInfo+%7B+version+%7D+%7D', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    () => post('empty body', ''),
    () => ({ kind: 'odd method', method: pick(['PUT', 'DELETE', 'PATCH']), path: '/graphql', headers: JSON_HEADERS, body: '{}' }),
    () => ({
      kind: 'GET mutation',
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('mutation { resetArtifactPassword { ok } }')}`,
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
    }),
    () => ({
      kind: 'GET bad params',
      method: 'GET',
      path: `/graphql?${pick(['query=%', 'variables=%7B', 'query={a&variables=[', 'extensions=nope', 'query=' + 'a'.repeat(3000)])}`,
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
    }),
    () => ({
      kind: 'GET without preflight (CSRF)',
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent(VALID_QUERIES[0] ?? '')}`,
      headers: {},
    }),
    () =>
      post(
        'bad gateway key header',
        { query: VALID_QUERIES[0] },
        { headers: { ...JSON_HEADERS, authorization: `Bearer ${'x'.repeat(int(2000))}` }, mayBeValid: true },
      ),
    () =>
      post(
        'weird accept',
        { query: VALID_QUERIES[0] },
        {
          headers: { 'content-type': 'application/json', accept: pick(['image/png', 'text/html;q=0', '*/*;q=oops', '']) },
          mayBeValid: true,
        },
      ),
  ];
  return () => pick(makers)();
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function send(base: string, agent: http.Agent, r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends a DELETE body without one, which the server then reads as the next request.
    const headers = r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
    const req = http.request(`${base}${r.path}`, { method: r.method, headers, agent, signal: AbortSignal.timeout(5000) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** What is wrong with an answer, or undefined when it is a 4xx or a GraphQL error (or, for a maybe-valid request, data). */
function verdict(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status >= 500) return `HTTP ${a.status}`;
  if (a.status < 200) return `HTTP ${a.status}`;
  let body: { data?: unknown; errors?: unknown[] } | unknown[];
  try {
    body = JSON.parse(a.body) as typeof body;
  } catch {
    return `non-JSON answer (${a.status}, ${a.contentType})`;
  }
  if (a.status >= 400) return Array.isArray(body) || !Array.isArray(body.errors) ? `HTTP ${a.status} without a GraphQL error` : undefined;
  if (!Array.isArray(body) && Array.isArray(body.errors) && body.errors.length > 0) return undefined;
  return r.mayBeValid ? undefined : `HTTP ${a.status} with no error`;
}

let gw: TestGateway;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  // Warnings and errors only: thousands of request lines would cost more than the requests.
  gw = await startTestGateway({ redis: false, deps: { logger: captureLogger('warn') } });
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await gw.close();
});

it(`answers ${TOTAL} malformed or hostile requests with a 4xx or a GraphQL error, and stays up`, async () => {
  const next = generator(prng(20240601));
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const started = Date.now();
  let sent = 0;
  const worker = async () => {
    while (sent < TOTAL) {
      sent += 1;
      const r = next();
      kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
      try {
        const problem = verdict(r, await send(gw.url, agent, r));
        if (problem) failures.push(`${r.kind}: ${problem}`);
      } catch (err) {
        failures.push(`${r.kind}: ${(err as Error).name} ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();

  // Garbage that is not even HTTP: Node's parser answers 400 and closes, it never hangs.
  const garbage = await new Promise<string>((resolve) => {
    const s = net.connect(Number(new URL(gw.url).port), '127.0.0.1', () => s.write('\u0016\u0003\u0001 NOT HTTP\r\n\r\n'));
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('close', () => resolve(text));
    s.setTimeout(3000, () => s.destroy());
  });
  expect(garbage).toMatch(/^HTTP\/1\.1 400/);

  const ms = Date.now() - started;
  process.stdout.write(`fuzz: ${TOTAL} requests of ${kinds.size} kinds in ${ms} ms, ${failures.length} failures\n`);
  expect([...new Set(failures)].slice(0, 20)).toEqual([]);
  expect(kinds.size).toBeGreaterThan(25);
  expect(ms).toBeLessThan(50_000);
  expect(await (await fetch(`${gw.url}/healthz`)).json()).toEqual({ status: 'ok' });
  expect((await gw.query(`{ gatewayInfo { simulated } }`)).body).toEqual({ data: { gatewayInfo: { simulated: true } } });
  // Let any stray promise settle before looking for unhandled rejections.
  await new Promise((r) => setTimeout(r, 50));
  expect(rejections).toEqual([]);
  // ~5 s alone; the whole suite shares 2 cores, hence the margin.
}, 60_000);
