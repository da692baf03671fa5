import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { COMESTRI_SIM_GENERATED_JOBS } from '../../src/simulators/comestri';

interface JobsPage {
  totalCount: number;
  edges: Array<{ cursor: string; node: { id: string } }>;
  nodes: Array<{ id: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAGE = `query($first: Int, $after: String) {
  jobs(first: $first, after: $after) {
    totalCount
    edges { cursor node { id } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** Pages forward until hasNextPage is false; `firsts` gives each request's `first` in turn (cycling). */
async function pageThrough(gw: TestGateway, firsts: number[]): Promise<{ ids: string[]; pages: JobsPage[] }> {
  const ids: string[] = [];
  const pages: JobsPage[] = [];
  let after: string | null = null;
  for (let i = 0; i < 500; i += 1) {
    const res = await gw.query(PAGE, { first: firsts[i % firsts.length], after });
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data?.jobs as JobsPage;
    pages.push(page);
    ids.push(...page.nodes.map((n) => n.id));
    if (!page.pageInfo.hasNextPage) return { ids, pages };
    after = page.pageInfo.endCursor;
  }
  throw new Error('paging never ended');
}

describe('Comestri jobs: a Relay connection over page/per_page', () => {
  let gw: TestGateway;
  let all: string[];
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { RESULT_CACHE_TTL_SECONDS: '0' } });
    all = gw.sims.comestri.listed().map((j) => String(j.id));
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.comestri.capPerPage(null).clearFaults().resetCalls();
  });

  it('paging forward through all pages returns every job exactly once, in the upstream’s order, one call per page', async () => {
    expect(all).toHaveLength(COMESTRI_SIM_GENERATED_JOBS + 1);
    const { ids, pages } = await pageThrough(gw, [7]);
    expect(ids).toEqual(all);
    expect(new Set(ids).size).toBe(all.length);
    expect(pages).toHaveLength(Math.ceil(all.length / 7));
    expect(gw.sims.comestri.callCount()).toBe(pages.length);
    for (const p of pages) expect(p.totalCount).toBe(all.length);
    expect(pages[0]?.pageInfo.hasPreviousPage).toBe(false);
    expect(pages[1]?.pageInfo.hasPreviousPage).toBe(true);
    // Edges and nodes agree, and the page's cursors are its first and last edge's.
    for (const p of pages) {
      expect(p.edges.map((e) => e.node)).toEqual(p.nodes);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges[p.edges.length - 1]?.cursor);
    }
  });

  it('cursors survive a different `first` on every request (and so a different upstream per_page)', async () => {
    const { ids } = await pageThrough(gw, [7, 13, 1, 50, 3, 100, 29]);
    expect(ids).toEqual(all);
    const perPages = new Set(gw.sims.comestri.calls.map((c) => new URLSearchParams(c.query).get('per_page')));
    expect(perPages.size).toBeGreaterThan(3);
  });

  it('reads correctly from an upstream that silently serves fewer rows per page than asked', async () => {
    gw.sims.comestri.capPerPage(10);
    const { ids } = await pageThrough(gw, [25, 33]);
    expect(ids).toEqual(all);
  });

  it('answers `first` jobs (20 by default) and the total', async () => {
    const byDefault = await gw.query(`{ jobs { totalCount nodes { id } } }`);
    expect(byDefault.body.data?.jobs).toEqual({ totalCount: all.length, nodes: all.slice(0, 20).map((id) => ({ id })) });
    const max = await gw.query(`{ jobs(first: 100) { nodes { id } pageInfo { hasNextPage } } }`);
    expect(max.body.data?.jobs).toEqual({ nodes: all.slice(0, 100).map((id) => ({ id })), pageInfo: { hasNextPage: true } });
  });

  it('first: 0 answers only the total, with one small call', async () => {
    const res = await gw.query(`{ jobs(first: 0) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`);
    expect(res.body.data?.jobs).toEqual({ totalCount: all.length, nodes: [], pageInfo: { hasNextPage: true, endCursor: null } });
    expect(gw.sims.comestri.callCount()).toBe(1);
    expect(new URLSearchParams(gw.sims.comestri.calls[0]?.query).get('per_page')).toBe('1');
  });

  it('a cursor past the end answers an empty page with the total', async () => {
    const { pages } = await pageThrough(gw, [100]);
    const last = pages[pages.length - 1]!;
    const res = await gw.query(PAGE, { first: 5, after: last.pageInfo.endCursor });
    expect(res.body.data?.jobs).toMatchObject({
      totalCount: all.length,
      nodes: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true },
    });
  });

  it('fetches each page once even when two fields ask for it', async () => {
    const res = await gw.query(`{ a: jobs(first: 5) { nodes { id } } b: jobs(first: 5) { totalCount } }`);
    expect(res.body.errors).toBeUndefined();
    expect(gw.sims.comestri.callCount()).toBe(1);
  });
});
