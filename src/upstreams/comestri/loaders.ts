import DataLoader from 'dataloader';
import type { Job } from '../../generated/graphql';
import type { ResultCache } from '../../cache/result-cache';
import { UpstreamHttpError } from '../../errors';
import type { Metrics } from '../../observability/metrics';
import type { PageWindow } from '../../resolvers/connection';
import type { ComestriCredentials } from './auth';
import type { ComestriClient, ComestriJobQuery } from './client';
import { mapJobPage, type JobPage } from './mapping';
import { planJobPages } from './paging';

export interface ComestriLoaderDeps {
  client: ComestriClient;
  results: ResultCache;
  metrics: Metrics;
  /** Shared-cache TTL of a page or a job (s). */
  ttlSeconds: number;
  /** Zone of upstream times that carry none. */
  timezone: string;
  /** Largest `per_page` the gateway asks for. */
  maxPerPage: number;
}

export interface JobPageKey {
  query: ComestriJobQuery;
  page: number;
  perPage: number;
}

/** A page whose every row was read (what the shared cache holds). */
export type ReadablePage = Omit<JobPage, 'jobs'> & { jobs: Job[] };

/** The jobs at a window's offsets, in order. */
export interface JobWindow {
  items: Job[];
  totalCount: number;
}

/** Filters in a fixed order, so equal queries share one loader and cache key. */
function queryKey(query: ComestriJobQuery): string {
  return JSON.stringify([query.id, query.requestId, query.createdBy, query.createdFrom, query.createdTo, query.updatedFrom, query.updatedTo]);
}

/**
 * Per-request loaders of Comestri jobs. The upstream filters by one id at a time and pages by
 * number, so nothing batches into one call; the loaders dedupe within the operation (two fields
 * asking for the same page or job cost one call), serve the shared cache for this account, and
 * turn absolute-offset windows into page calls.
 *
 * A page with a row the gateway cannot read answers that row's error (never cached): a
 * connection's edges are non-null, so such a row can only fail the field that needs it.
 */
export function createComestriLoaders(deps: ComestriLoaderDeps, credentials: ComestriCredentials, signal?: AbortSignal) {
  const scope = { namespace: 'comestri-jobs', identity: credentials.identity };
  const cacheIdOf = (k: JobPageKey) => `page:${k.perPage}:${k.page}:${queryKey(k.query)}`;

  /** One upstream call for one page; a page with a row the gateway cannot read is that row's error. */
  async function fetchPage(key: JobPageKey, callSignal: AbortSignal): Promise<ReadablePage | Error> {
    let body: unknown;
    try {
      body = await deps.client.listJobs(key, credentials, callSignal);
    } catch (err) {
      // Comestri answers 404 for an id no job has: as a filter, that is simply no match.
      if (key.query.id !== undefined && err instanceof UpstreamHttpError && err.statusCode === 404) {
        return { page: key.page, perPage: key.perPage, totalEntries: 0, jobs: [] };
      }
      return toError(err);
    }
    const page = mapJobPage(body, key, deps.timezone);
    if (page instanceof Error) return page;
    const jobs: Job[] = [];
    for (const j of page.jobs) {
      if (j instanceof Error) return j;
      jobs.push(j);
    }
    return { ...page, jobs };
  }

  /**
   * Pages, through the shared cache (stale-while-revalidate for Comestri) with identical
   * in-flight reads of concurrent requests for this account coalesced into one call.
   */
  const page = new DataLoader<JobPageKey, ReadablePage, string>(
    async (keys) => {
      deps.metrics.batchSize.observe({ loader: 'comestri.page' }, keys.length);
      const byCacheId = new Map(keys.map((k) => [cacheIdOf(k), k]));
      return deps.results.loadMany<ReadablePage>(
        scope,
        keys.map(cacheIdOf),
        { upstream: 'comestri', ttlSeconds: deps.ttlSeconds, signal },
        async (ids, callSignal) => {
          const out = new Map<string, ReadablePage | Error>();
          await Promise.all(
            ids.map(async (id) => {
              const key = byCacheId.get(id);
              out.set(id, key ? await fetchPage(key, callSignal) : new Error(`comestri page ${id} was not asked for`));
            }),
          );
          return out;
        },
      );
    },
    { cacheKeyFn: cacheIdOf },
  );

  /** `null`: no job has that id. The upstream has no show call: this is the list filtered by id. */
  const job = new DataLoader<string, Job | null, string>(async (ids) => {
    deps.metrics.batchSize.observe({ loader: 'comestri.job' }, ids.length);
    const pages = await page.loadMany(ids.map((id) => ({ query: { id }, page: 1, perPage: 1 })));
    return pages.map((p, i) => (p instanceof Error ? p : (p.jobs.find((j) => j.id === ids[i]) ?? null)));
  });

  async function loadPages(query: ComestriJobQuery, pages: number[], perPage: number): Promise<ReadablePage[]> {
    const answers = await page.loadMany(pages.map((n) => ({ query, page: n, perPage })));
    const failed = answers.find((a): a is Error => a instanceof Error);
    if (failed) throw failed;
    return answers as ReadablePage[];
  }

  /**
   * The jobs at absolute offsets `[offset, offset + limit)` of the filtered list, and the total.
   * Rows are placed by the page size the upstream SAYS it used: an upstream that clamps
   * `per_page` below what was asked is re-planned once at its size, so no row is skipped or
   * repeated.
   */
  async function window(query: ComestriJobQuery, wanted: PageWindow): Promise<JobWindow> {
    let plan = planJobPages(wanted, deps.maxPerPage);
    let pages = await loadPages(query, plan.pages, plan.perPage);
    const served = Math.min(...pages.map((p) => p.perPage));
    if (served < plan.perPage) {
      plan = planJobPages(wanted, served);
      pages = await loadPages(query, plan.pages, plan.perPage);
    }
    const byOffset = new Map<number, Job>();
    for (const p of pages) p.jobs.forEach((j, i) => byOffset.set((p.page - 1) * p.perPage + i, j));
    const totalCount = pages[pages.length - 1]?.totalEntries ?? 0;
    const items: Job[] = [];
    for (let offset = wanted.offset; offset < wanted.offset + wanted.limit; offset += 1) {
      const item = byOffset.get(offset);
      if (item === undefined) break;
      items.push(item);
    }
    return { items, totalCount };
  }

  return { page, job, window };
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

export type ComestriLoaders = ReturnType<typeof createComestriLoaders>;
