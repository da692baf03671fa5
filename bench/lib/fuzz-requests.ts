import { createHash } from 'node:crypto';
import http from 'node:http';
import { SIMULATED } from '../../src/simulators/defaults';
import { SEED_CALL_ID, SEED_RECORDING_ID } from '../../src/simulators/bandwidth';

/**
 * Malformed and hostile requests to a gateway (bodies, headers, ranges, documents, variables,
 * methods), drawn from a seeded PRNG so a run can be replayed: shared by the fuzz test in
 * `npm test` (test/integration/security-fuzz.test.ts) and `npm run bench:fuzz` (bench/fuzz.ts).
 */

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** The request might be valid by chance (a mutated query): a 200 with data is then fine. */
  mayBeValid?: boolean;
  /** The answer is not a GraphQL JSON body when it succeeds (media, HEAD): only its status counts. */
  notJson?: boolean;
}

export const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
export const VALID_QUERIES = [
  `{ gatewayInfo { version simulated } }`,
  `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status runNumber } } }`,
  `{ jobs(first: 3) { totalCount nodes { id status } } }`,
  `{ softwareDeployments { id status } }`,
  `{ recordings(first: 2) { nodes { id callId } } }`,
];

/**
 * Draws requests: `hostileShare` of them (default 0.3) from issue 16's kinds (media ranges,
 * HEAD, big unique documents, oversized bodies, ...), the rest from the malformed-request kinds.
 */
export function generator(random: () => number, options: { hostileShare?: number } = {}) {
  const hostileShare = options.hostileShare ?? 0.3;
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
    () =>
      post(
        'mutated query',
        { query: mutate(pick(VALID_QUERIES)), variables: { ids: [fuzzId('fuzz-0'), fuzzId('fuzz-1')] } },
        { mayBeValid: true },
      ),
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
  const hostile = hostileMakers(pick, int, post);
  return () => (random() < hostileShare ? pick(hostile)() : pick(makers)());
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

export function send(base: string, agent: http.Agent, r: FuzzRequest): Promise<Answer> {
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

/** A well-formed 32-character pipeline id. */
function fuzzId(label: string): string {
  return createHash('md5').update(label).digest('hex');
}

const MEDIA_PATH = `/media/recordings/${SIMULATED.bandwidth.accountId}/${SEED_CALL_ID}/${SEED_RECORDING_ID}`;

/**
 * The requests of issue 16: ranges and HEAD on media, HEAD on every route, unique documents
 * with big comments, client-chosen operation names, bodies past the size limit, ids shaped
 * like path segments.
 */
function hostileMakers(
  pick: <T>(items: readonly T[]) => T,
  int: (n: number) => number,
  post: (kind: string, body: unknown, extra?: Partial<FuzzRequest>) => FuzzRequest,
): Array<() => FuzzRequest> {
  const range = () =>
    pick([
      `bytes=0-${int(200)}`,
      `bytes=-${int(500)}`,
      `bytes=${int(1e9)}-`,
      `bytes=${10 + int(100)}-${int(10)}`,
      'bytes=0-1,5-9,20-',
      `bytes=${'0-1,'.repeat(int(40))}0-1`,
      'bytes=abc',
      'items=0-9',
      'bytes=-',
      'bytes=--1',
      `bytes=${'9'.repeat(30)}-`,
      '',
    ]);
  return [
    () => ({ kind: 'media range', method: pick(['GET', 'HEAD']), path: MEDIA_PATH, headers: { range: range() }, notJson: true }),
    () => ({
      kind: 'media odd path',
      method: pick(['GET', 'HEAD', 'DELETE']),
      path: pick([
        `${MEDIA_PATH}/..`,
        MEDIA_PATH.replace(SEED_RECORDING_ID, '..'),
        MEDIA_PATH.replace(SEED_RECORDING_ID, '%2e%2e'),
        MEDIA_PATH.replace(SEED_CALL_ID, '%'),
        `${MEDIA_PATH}?sig=${'z'.repeat(int(300))}&exp=${int(1e10)}`,
      ]),
      headers: {},
      notJson: true,
    }),
    () => ({
      kind: 'HEAD on a route',
      method: 'HEAD',
      path: pick(['/healthz', '/readyz', '/metrics', '/graphql', '/graphql/ide/ide.js', '/nope']),
      headers: { accept: pick(['text/html', 'application/json', '*/*']) },
      notJson: true,
    }),
    () => ({
      kind: 'odd method on a route',
      method: pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']),
      path: pick(['/healthz', '/readyz', '/metrics', '/graphql/ide/ide.js', MEDIA_PATH]),
      headers: {},
      notJson: true,
    }),
    () =>
      post(
        'unique document with a big comment',
        { query: `# ${'c'.repeat(1000 + int(30000))}\nquery U${int(1e9)} { gatewayInfo { version } }` },
        { mayBeValid: true },
      ),
    () =>
      post(
        'client-chosen operation name',
        { query: `query Op_${int(1e9)}_${'n'.repeat(int(200))} { gatewayInfo { version } }` },
        { mayBeValid: true },
      ),
    () =>
      post('body past the size limit', { query: '{ gatewayInfo { version } }', variables: { pad: 'p'.repeat(1024 * 1024 + int(65536)) } }),
    () =>
      post(
        'ids shaped like path segments',
        {
          query: 'query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { id } }',
          variables: { c: pick(['..', '.', '%2e%2e', 'a/b', 'c-1']), r: pick(['..', '.', '%2E', '../../x', 'r-1']) },
        },
        { mayBeValid: true },
      ),
    () => post('deep document', { query: `{${'a{'.repeat(1000 + int(1500))}b${'}'.repeat(2600)}` }),
    () =>
      post('enum and input typos', {
        query: 'mutation($s: RecordingState!) { updateRecordingState(callId: "c-1", state: $s) { ok } }',
        variables: { s: pick(['PAUSE', 'recording', 42, null]) },
      }),
  ];
}
