import { startTestGateway, type TestGateway } from '../helpers/gateway';

const Q = `{ gatewayInfo { simulated } jobs(first: 5) { totalCount nodes { id } } }`;
const OTHER_TOKEN = 'comestri-test-token-other-7c1e9a';
const UNKNOWN_TOKEN = 'comestri-test-token-unknown-3f0b2d';

describe('Comestri jobs: upstream failures and who may see what', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { UPSTREAM_DEADLINE_MS: '300', UPSTREAM_RETRIES: '1', UPSTREAM_BREAKER_FAILURES: '1000' },
    });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.comestri.clearFaults().resetCalls();
  });

  it.each([
    [500, { error: 'Internal Server Error' }, 'UPSTREAM_UNAVAILABLE', 2],
    [422, { errors: ['per_page must be a positive integer'] }, 'BAD_USER_INPUT', 1],
    [404, { error: 'Not Found' }, 'NOT_FOUND', 1],
    [403, { error: 'Forbidden' }, 'FORBIDDEN', 1],
    [401, { error: 'HTTP Token: Access denied.' }, 'UNAUTHENTICATED', 1],
  ])(
    'HTTP %s %j answers jobs: null with %s (upstream comestri, its status) after %s call(s); the rest still comes',
    async (status, json, code, calls) => {
      gw.sims.comestri.inject({ kind: 'status', status, json });
      const res = await gw.query(
        `{ gatewayInfo { simulated } jobs(first: 5, filter: { createdBy: "fault-${status}@example.com" }) { totalCount } }`,
      );
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, jobs: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({ path: ['jobs'], extensions: { code, upstream: 'comestri', status } });
      // Only a 5xx is retried (reads, UPSTREAM_RETRIES=1).
      expect(gw.sims.comestri.callCount()).toBe(calls);
    },
  );

  it('an answer that is not JSON, or not a jobs page, is UPSTREAM_BAD_RESPONSE', async () => {
    gw.sims.comestri.inject({ kind: 'garbage' }, { times: 2 });
    const garbage = await gw.query(`{ jobs(filter: { createdBy: "garbage@example.com" }) { totalCount } }`);
    expect(garbage.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'comestri' });
    gw.sims.comestri.clearFaults().inject({ kind: 'status', status: 200, json: { jobs: [] } });
    const shape = await gw.query(`{ jobs(filter: { createdBy: "shape@example.com" }) { totalCount } }`);
    expect(shape.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'comestri' });
  });

  it('an upstream that does not answer within its deadline is UPSTREAM_TIMEOUT', async () => {
    gw.sims.comestri.inject({ kind: 'hang', ms: 1000 });
    const started = Date.now();
    const res = await gw.query(`{ jobs(filter: { createdBy: "slow@example.com" }) { totalCount } }`);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'comestri' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('a row the gateway cannot read is left out of jobs with one UPSTREAM_BAD_RESPONSE at ["jobs"]; the other jobs, totalCount and paging are unchanged', async () => {
    const rows = gw.sims.comestri.listed();
    const bad = rows[2]!;
    gw.sims.comestri.setJobs(rows.map((r) => (r === bad ? { ...r, status: ['not', 'a', 'string'] } : r)));
    // A filter of its own, so no other test shares these cached pages.
    const PAGE = `query($first: Int, $after: String) {
      gatewayInfo { simulated }
      jobs(first: $first, after: $after, filter: { createdTo: "2099-01-01T00:00:00Z" }) {
        totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage endCursor }
      }
    }`;
    const cursor = (position: number) => Buffer.from(`gw1:${position}`).toString('base64url');
    const good = rows.filter((r) => r !== bad).map((r) => String(r.id));
    try {
      const res = await gw.query(PAGE, { first: 5 });
      expect(res.body.data?.gatewayInfo).toEqual({ simulated: true });
      const jobs = res.body.data?.jobs as {
        totalCount: number;
        edges: Array<{ cursor: string; node: { id: string } }>;
        nodes: Array<{ id: string }>;
      };
      expect(jobs.nodes.map((n) => n.id)).toEqual(good.slice(0, 4));
      expect(jobs.nodes.map((n) => n.id)).not.toContain(String(bad.id));
      expect(jobs.edges.map((e) => e.cursor)).toEqual([0, 1, 3, 4].map(cursor));
      expect(jobs.totalCount).toBe(rows.length);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({ path: ['jobs'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'comestri' } });
      expect(res.body.errors?.[0]?.message).toContain(`position 2, ${String(bad.id)}`);

      // Paging across it, two at a time: every other job once, in order; one error, on the page that held it.
      const ids: string[] = [];
      const errors: unknown[] = [];
      let after: string | null = null;
      for (let i = 0; i < 3; i += 1) {
        const page = await gw.query(PAGE, { first: 2, after });
        const conn = page.body.data?.jobs as {
          totalCount: number;
          nodes: Array<{ id: string }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
        expect(conn.totalCount).toBe(rows.length);
        expect(conn.pageInfo.hasNextPage).toBe(true);
        ids.push(...conn.nodes.map((n) => n.id));
        errors.push(...(page.body.errors ?? []));
        after = conn.pageInfo.endCursor;
      }
      expect(ids).toEqual(good.slice(0, 5));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ path: ['jobs'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'comestri' } });

      // A page holding only the unreadable row still hands back a cursor to continue after it.
      const onlyBad = await gw.query(PAGE, { first: 1, after: cursor(1) });
      const empty = onlyBad.body.data?.jobs as { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      expect(empty.nodes).toEqual([]);
      expect(empty.pageInfo).toEqual({ hasNextPage: true, endCursor: cursor(2) });
      const next = await gw.query(PAGE, { first: 1, after: empty.pageInfo.endCursor });
      expect((next.body.data?.jobs as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).toEqual([good[2]]);

      // job(id) of that row is still null with the error, at its own path.
      const one = await gw.query(`{ job(id: "${String(bad.id)}") { id } }`);
      expect(one.body.data).toEqual({ job: null });
      expect(one.body.errors?.[0]).toMatchObject({ path: ['job'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'comestri' } });
    } finally {
      gw.sims.comestri.setJobs(rows);
    }
  });

  it('serves a warm repeat from the shared cache, and never serves it to another Comestri account', async () => {
    const first = await gw.query(Q);
    expect(first.body.errors).toBeUndefined();
    expect(gw.sims.comestri.callCount()).toBe(1);
    const warm = await gw.query(Q);
    expect(warm.body).toEqual(first.body);
    expect(gw.sims.comestri.callCount()).toBe(1);

    // A second gateway on the same Redis keys with another (forbidden) account.
    gw.sims.comestri.accept(OTHER_TOKEN, 'other@example.com').forbid(OTHER_TOKEN);
    const other = await startTestGateway({
      sims: gw.sims,
      env: { CACHE_PREFIX: gw.config.cachePrefix, COMESTRI_API_TOKEN: OTHER_TOKEN, COMESTRI_EMAIL: 'other@example.com' },
    });
    try {
      const res = await other.query(Q);
      expect(gw.sims.comestri.callCount()).toBe(2);
      expect(gw.sims.comestri.calls[1]?.headers.authorization).toBe(`Token token=${OTHER_TOKEN},email=other@example.com`);
      expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, jobs: null });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', upstream: 'comestri', status: 403 });
    } finally {
      await other.close();
    }
  });

  it('an unknown token is UNAUTHENTICATED, and the token appears nowhere in the answer', async () => {
    const wrong = await startTestGateway({
      sims: gw.sims,
      redis: false,
      env: { COMESTRI_API_TOKEN: UNKNOWN_TOKEN, COMESTRI_EMAIL: 'sim@example.com' },
    });
    try {
      const res = await wrong.query(Q);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstream: 'comestri', status: 401 });
      expect(JSON.stringify(res.body)).not.toContain(UNKNOWN_TOKEN);
      expect(gw.sims.comestri.callCount()).toBe(1);
    } finally {
      await wrong.close();
    }
  });
});
