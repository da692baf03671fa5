import DataLoader from 'dataloader';
import type { Job } from '../../generated/graphql';
import type { ResultCache } from '../../cache/result-cache';
import { toError, UpstreamBadResponseError, UpstreamHttpError } from '../../errors';
import type { Metrics } from '../../observability/metrics';
import type { PositionedRows } from '../../paging/connection';
import type { LeftOutRow } from '../../paging/left-out';
import type { ComestriCredentials } from './auth';
import type { ComestriClient, ComestriJobQuery } from './client';
import { isUnreadableJob, mapJobPage, type JobPage } from './mapping';
import { planPages, type PageWindow } from '../../paging/window';
import type { SignalSource } from '../../runtime/cancellation';

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

/**
 * The jobs at a window's offsets, in order, with their positions; the entries there the gateway
 * cannot read are left out (to report); `total` is the upstream's, left-out entries included.
 */
export interface JobWindow extends PositionedRows<Job, number> {
  rows: Array<{ position: number; node: Job }>;
  leftOut: LeftOutRow[];
}

/** Filters in a fixed order, so equal queries share one loader and cache key. */
function queryKey(query: ComestriJobQuery): string {
  return JSON.stringify([
    query.id,
    query.requestId,
    query.createdBy,
    query.createdFrom,
    query.createdTo,
    query.updatedFrom,
    query.updatedTo,
  ]);
}

/** One upstream call for one page, straight from the upstream (no cache); only an unreadable envelope is an error. */
export async function fetchJobPage(
  deps: Pick<ComestriLoaderDeps, 'client' | 'timezone'>,
  key: JobPageKey,
  credentials: ComestriCredentials,
  signal?: AbortSignal,
): Promise<JobPage | Error> {
  let body: unknown;
  try {
    body = await deps.client.listJobs(key, credentials, signal);
  } catch (err) {
    // Comestri answers 404 for an id no job has: as a filter, that is simply no match.
    if (key.query.id !== undefined && err instanceof UpstreamHttpError && err.statusCode === 404) {
      return { page: key.page, perPage: key.perPage, totalEntries: 0, jobs: [] };
    }
    return toError(err);
  }
  return mapJobPage(body, key, deps.timezone);
}

/** The page key that looks one job up (the upstream has no show call: the list filtered by id). */
export function jobLookupKey(id: string): JobPageKey {
  return { query: { id }, page: 1, perPage: 1 };
}

/**
 * The job `id` in a page filtered by that id: `null` when none; an entry of that id the gateway
 * cannot read (or one with no readable id, which the filter answered for it) is UPSTREAM_BAD_RESPONSE.
 */
export function jobOfPage(page: JobPage, id: string): Job | null | Error {
  const hit = page.jobs.find((j) => j.id === id) ?? page.jobs.find((j) => isUnreadableJob(j) && j.id === undefined);
  if (hit && isUnreadableJob(hit)) return new UpstreamBadResponseError('comestri', hit.unreadable);
  return hit ?? null;
}

/**
 * Per-request loaders of Comestri jobs. The upstream filters by one id at a time and pages by
 * number, so nothing batches into one call; the loaders dedupe within the operation (two fields
 * asking for the same page or job cost one call), serve the shared cache for this account, and
 * turn absolute-offset windows into page calls.
 *
 * A row the gateway cannot read stays in its page as a plain marker (pages are cached as JSON):
 * a window leaves it out and reports it, `job(id)` answers its error.
 */
export function createComestriLoaders(deps: ComestriLoaderDeps, credentials: ComestriCredentials, cancel?: SignalSource) {
  const scope = { namespace: 'comestri-jobs', identity: credentials.identity };
  const cacheIdOf = (k: JobPageKey) => `page:${k.perPage}:${k.page}:${queryKey(k.query)}`;

  /**
   * Pages, through the shared cache (stale-while-revalidate for Comestri) with identical
   * in-flight reads of concurrent requests for this account coalesced into one call.
   */
  const page = new DataLoader<JobPageKey, JobPage, string>(
    async (keys) => {
      deps.metrics.observeBatch('comestri.page', keys.length);
      const byCacheId = new Map(keys.map((k) => [cacheIdOf(k), k]));
      return deps.results.loadMany<JobPage>(
        scope,
        keys.map(cacheIdOf),
        { upstream: 'comestri', ttlSeconds: deps.ttlSeconds, cancel },
        async (ids, callSignal) => {
          const out = new Map<string, JobPage | Error>();
          await Promise.all(
            ids.map(async (id) => {
              const key = byCacheId.get(id);
              out.set(
                id,
                key ? await fetchJobPage(deps, key, credentials, callSignal) : new Error(`comestri page ${id} was not asked for`),
              );
            }),
          );
          return out;
        },
      );
    },
    { cacheKeyFn: cacheIdOf },
  );

  /**
   * `null`: no job has that id. The upstream has no show call: this is the list filtered by id.
   * An entry of that id the gateway cannot read (or one with no readable id, which the filter
   * answered for it) is UPSTREAM_BAD_RESPONSE for this lookup.
   */
  const job = new DataLoader<string, Job | null, string>(async (ids) => {
    deps.metrics.observeBatch('comestri.job', ids.length);
    const pages = await page.loadMany(ids.map(jobLookupKey));
    return pages.map((p, i) => (p instanceof Error ? p : jobOfPage(p, ids[i] as string)));
  });

  async function loadPages(query: ComestriJobQuery, pages: number[], perPage: number): Promise<JobPage[]> {
    const answers = await page.loadMany(pages.map((n) => ({ query, page: n, perPage })));
    const failed = answers.find((a): a is Error => a instanceof Error);
    if (failed) throw failed;
    return answers as JobPage[];
  }

  /**
   * The jobs at absolute offsets `[offset, offset + limit)` of the filtered list, and the total.
   * Rows are placed by the page size the upstream SAYS it used: an upstream that clamps
   * `per_page` below what was asked is re-planned once at its size, so no row is skipped or
   * repeated.
   */
  async function window(query: ComestriJobQuery, wanted: PageWindow): Promise<JobWindow> {
    let plan = planPages(wanted, deps.maxPerPage);
    let pages = await loadPages(query, plan.pages, plan.perPage);
    const served = Math.min(...pages.map((p) => p.perPage));
    if (served < plan.perPage) {
      plan = planPages(wanted, served);
      pages = await loadPages(query, plan.pages, plan.perPage);
    }
    const end = wanted.offset + wanted.limit;
    const total = pages[pages.length - 1]?.totalEntries ?? 0;
    const read: JobWindow = { rows: [], leftOut: [], total, more: end < total };
    for (const p of pages) {
      p.jobs.forEach((j, i) => {
        const position = (p.page - 1) * p.perPage + i;
        if (position < wanted.offset || position >= end) return;
        if (isUnreadableJob(j)) read.leftOut.push({ position, id: j.id ?? null, reason: j.unreadable });
        else read.rows.push({ position, node: j });
      });
    }
    return read;
  }

  return { page, job, window };
}

export type ComestriLoaders = ReturnType<typeof createComestriLoaders>;
