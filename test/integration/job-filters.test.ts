import { startTestGateway, type TestGateway } from '../helpers/gateway';

/** The query string of the simulator's last call, parsed. */
function lastQuery(gw: TestGateway): URLSearchParams {
  const call = gw.sims.comestri.calls[gw.sims.comestri.calls.length - 1];
  if (!call) throw new Error('the simulator received no call');
  return new URLSearchParams(call.query);
}

const FILTERED = `query($filter: JobFilter) { jobs(filter: $filter, first: 100) { totalCount nodes { id createdBy createdAt updatedAt requestId } } }`;

describe('Comestri jobs: filters', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { RESULT_CACHE_TTL_SECONDS: '0' } });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.comestri.clearFaults().resetCalls();
  });

  it('sends every filter to the upstream under the seed’s parameter names, correctly encoded', async () => {
    const res = await gw.query(FILTERED, {
      filter: {
        id: '429',
        requestId: '2e2b36a6-e6f7-42ae-a388-e53bfa2626be',
        createdBy: 'test@fusionfactory.com',
        createdFrom: '2016-05-30T14:55:00+10:00',
        createdTo: '2016-05-30T04:56:00.250Z',
        updatedFrom: '2016-05-29T23:00:00-05:00',
        updatedTo: '2016-05-30t05:00:00z',
      },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.jobs).toMatchObject({ totalCount: 1, nodes: [{ id: '429' }] });
    expect(gw.sims.comestri.callCount()).toBe(1);
    const q = lastQuery(gw);
    expect(Object.fromEntries(q)).toEqual({
      page: '1',
      per_page: '100',
      id: '429',
      request_id: '2e2b36a6-e6f7-42ae-a388-e53bfa2626be',
      created_by: 'test@fusionfactory.com',
      // Every instant in UTC, in the seed's form (whole seconds); a fractional `to` widens up to the next second.
      created_time_from: '2016-05-30T04:55:00Z',
      created_time_to: '2016-05-30T04:56:01Z',
      updated_time_from: '2016-05-30T04:00:00Z',
      updated_time_to: '2016-05-30T05:00:00Z',
    });
  });

  it('percent-encodes values that would otherwise change meaning in a query string', async () => {
    const res = await gw.query(FILTERED, { filter: { createdBy: 'ops+night@example.com' } });
    expect(res.body.errors).toBeUndefined();
    const raw = gw.sims.comestri.calls[0]?.query ?? '';
    expect(raw).toContain('created_by=ops%2Bnight%40example.com');
    const expected = gw.sims.comestri.listed().filter((j) => j.created_by === 'ops+night@example.com');
    expect(expected.length).toBeGreaterThan(0);
    const jobs = res.body.data?.jobs as { totalCount: number; nodes: Array<{ createdBy: string }> };
    expect(jobs.totalCount).toBe(expected.length);
    expect(new Set(jobs.nodes.map((n) => n.createdBy))).toEqual(new Set(['ops+night@example.com']));
  });

  it('filters by creation and update windows as the upstream does', async () => {
    const from = '2026-10-01T00:00:00Z';
    const to = '2026-10-01T12:00:00Z';
    const inWindow = (t: unknown) => Date.parse(String(t)) >= Date.parse(from) && Date.parse(String(t)) <= Date.parse(to);
    const created = await gw.query(FILTERED, { filter: { createdFrom: from, createdTo: to } });
    const updated = await gw.query(FILTERED, { filter: { updatedFrom: from, updatedTo: to } });
    const listed = gw.sims.comestri.listed();
    expect((created.body.data?.jobs as { totalCount: number }).totalCount).toBe(listed.filter((j) => inWindow(j.created_at)).length);
    expect((updated.body.data?.jobs as { totalCount: number }).totalCount).toBe(listed.filter((j) => inWindow(j.updated_at)).length);
    for (const node of (created.body.data?.jobs as { nodes: Array<{ createdAt: string }> }).nodes)
      expect(inWindow(node.createdAt)).toBe(true);
  });

  it('a filter id that no job has is an empty connection, not an error', async () => {
    const res = await gw.query(FILTERED, { filter: { id: '999999' } });
    expect(res.body).toEqual({ data: { jobs: { totalCount: 0, nodes: [] } } });
  });

  it.each([
    '2016-05-30T05:13:26Z',
    '2016-05-30T05:13:26.123456789+05:30',
    '2016-05-30t05:13:26-00:00',
    '2016-12-31T23:59:60Z',
    '2024-02-29T00:00:00+14:00',
  ])('accepts the RFC 3339 instant %s, inline and in variables', async (instant) => {
    const inline = await gw.query(`{ jobs(filter: { updatedFrom: "${instant}" }) { totalCount } }`);
    expect(inline.body.errors).toBeUndefined();
    const variables = await gw.query(`query($t: DateTime) { jobs(filter: { updatedFrom: $t }) { totalCount } }`, { t: instant });
    expect(variables.body.errors).toBeUndefined();
    expect(gw.sims.comestri.callCount()).toBeGreaterThanOrEqual(1);
    expect(lastQuery(gw).get('updated_time_from')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
  });

  describe('refuses with BAD_USER_INPUT before any upstream call', () => {
    const badDates = [
      '2016-02-30T00:00:00Z',
      '2016-05-30 05:13:26Z',
      '2016-05-30T05:13:26',
      'yesterday',
      '2016-05-30T25:00:00Z',
      '2016-05-30T05:13:26+24:00',
    ];

    it.each(badDates)('an invalid date %j inline', async (bad) => {
      const res = await gw.query(`{ jobs(filter: { createdFrom: "${bad}" }) { totalCount } }`);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.data ?? null).toBeNull();
      expect(gw.sims.comestri.callCount()).toBe(0);
    });

    it.each(badDates)('an invalid date %j in variables (as a DateTime or inside a JobFilter)', async (bad) => {
      const asScalar = await gw.query(`query($t: DateTime) { jobs(filter: { createdTo: $t }) { totalCount } }`, { t: bad });
      expect(asScalar.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const asFilter = await gw.query(FILTERED, { filter: { updatedTo: bad } });
      expect(asFilter.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(gw.sims.comestri.callCount()).toBe(0);
    });

    it.each([
      ['a non-numeric job id', `{ job(id: "abc") { id } }`],
      ['a non-numeric filter id', `{ jobs(filter: { id: "42; drop" }) { totalCount } }`],
      ['an empty createdBy', `{ jobs(filter: { createdBy: "  " }) { totalCount } }`],
      [
        'createdFrom after createdTo',
        `{ jobs(filter: { createdFrom: "2016-05-31T00:00:00Z", createdTo: "2016-05-30T00:00:00Z" }) { totalCount } }`,
      ],
      [
        'updatedFrom after updatedTo',
        `{ jobs(filter: { updatedFrom: "2016-05-30T00:00:01Z", updatedTo: "2016-05-30T00:00:00Z" }) { totalCount } }`,
      ],
      ['first above the maximum (100)', `{ jobs(first: 101) { totalCount } }`],
      ['a negative first', `{ jobs(first: -1) { totalCount } }`],
      ['a cursor the gateway did not issue', `{ jobs(after: "bm90LWEtY3Vyc29y") { totalCount } }`],
    ])('%s', async (_what, query) => {
      const res = await gw.query(query);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(gw.sims.comestri.callCount()).toBe(0);
    });
  });
});
