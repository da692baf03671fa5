import { z } from 'zod';
import type { Job, JobResult, JobStatus } from '../../generated/graphql';
import { UpstreamBadResponseError } from '../../errors';
import { toUtcIso } from '../../time';

const STATUSES: readonly JobStatus[] = [
  'REQUEST_RECEIVED',
  'FAIL_TO_RECEIVE',
  'READY_TO_PROCESS',
  'PROCESSING',
  'FAIL_TO_PROCESS',
  'CANCELED',
  'COMPLETE',
];
const RESULTS: readonly JobResult[] = ['SUCCESS', 'FAILURE', 'PENDING'];

/** A number that may arrive as a numeric string. */
const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);
const text = z.union([z.string(), z.number()]).transform(String).nullish();

/** One entry of the jobs answer, as far as the gateway relies on it. */
const JobBody = z.object({
  id: z.union([z.number().int(), z.string().trim().min(1)]).transform(String),
  request_id: text,
  entity: text,
  status: z.string().nullish(),
  percent_completed: numeric.nullish(),
  operation: text,
  created_at: z.union([z.string(), z.number()]).nullish(),
  updated_at: z.union([z.string(), z.number()]).nullish(),
  created_by: text,
  error_count: numeric.nullish(),
  result: z.string().nullish(),
});

/** The page envelope; `entries` stay unknown so one bad row fails only itself. */
const PageBody = z.object({
  page: numeric.nullish(),
  per_page: numeric.nullish(),
  total_pages: numeric.nullish(),
  total_entries: numeric,
  entries: z.array(z.unknown()),
});

/**
 * An entry the gateway cannot read, kept in its page as plain data (pages are cached as JSON):
 * why, and the entry's id when that much was readable.
 */
export interface UnreadableJob {
  unreadable: string;
  id?: string;
}

export function isUnreadableJob(row: Job | UnreadableJob): row is UnreadableJob {
  return 'unreadable' in row;
}

/** One upstream page, mapped. */
export interface JobPage {
  /** Page number the upstream says it served (the one asked for when it does not say). */
  page: number;
  /** Page size the upstream says it used: less than asked when it clamps `per_page`. */
  perPage: number;
  totalEntries: number;
  /** In the upstream's order; an entry that cannot be read stays in its place as a marker. */
  jobs: Array<Job | UnreadableJob>;
}

/** `request_received` → REQUEST_RECEIVED; anything the contract does not know → UNKNOWN. */
export function jobStatusOf(value: string | null | undefined): JobStatus {
  const key = value
    ?.trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  return STATUSES.find((s) => s === key) ?? 'UNKNOWN';
}

/** `Success` → SUCCESS; absent → null (not reported); anything else → UNKNOWN. */
export function jobResultOf(value: string | null | undefined): JobResult | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const key = value.trim().toUpperCase();
  return RESULTS.find((r) => r === key) ?? 'UNKNOWN';
}

/**
 * The contract's 0..1, read on the seed's own scale: its one example reports a complete job as
 * `1`, so the upstream's value is a fraction and passes unchanged. A value outside 0..1 does not
 * fit that scale and answers null rather than a guessed number (docs/job.md, assumptions).
 */
export function percentCompletedOf(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value) || value < 0 || value > 1) return null;
  return value;
}

/**
 * Maps one upstream entry to the schema's Job; returns an Error (not a throw) when the entry
 * cannot be read, so one bad row fails only itself.
 */
export function mapJob(body: unknown, zone: string): Job | UpstreamBadResponseError {
  const parsed = JobBody.safeParse(body);
  if (!parsed.success) {
    return new UpstreamBadResponseError('comestri', `unreadable job at ${parsed.error.issues[0]?.path.join('.') || 'entry'}`);
  }
  const j = parsed.data;
  return {
    id: j.id,
    requestId: j.request_id ?? null,
    entity: j.entity ?? null,
    status: jobStatusOf(j.status),
    percentCompleted: percentCompletedOf(j.percent_completed),
    operation: j.operation ?? null,
    createdAt: toUtcIso(j.created_at, zone),
    updatedAt: toUtcIso(j.updated_at, zone),
    createdBy: j.created_by ?? null,
    errorCount: j.error_count === null || j.error_count === undefined ? null : Math.trunc(j.error_count),
    result: jobResultOf(j.result),
  };
}

/** The marker of an entry `mapJob` could not read, with the entry's id if it has a usable one. */
function unreadableJob(body: unknown, error: UpstreamBadResponseError): UnreadableJob {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  const readableId =
    (typeof id === 'number' && Number.isInteger(id)) || (typeof id === 'string' && id.trim() !== '') ? String(id).trim() : undefined;
  return readableId === undefined ? { unreadable: error.detail } : { unreadable: error.detail, id: readableId };
}

/** Maps a page answer; the envelope must be readable, rows fail one by one. */
export function mapJobPage(body: unknown, asked: { page: number; perPage: number }, zone: string): JobPage | UpstreamBadResponseError {
  const parsed = PageBody.safeParse(body);
  if (!parsed.success) {
    return new UpstreamBadResponseError('comestri', `unreadable jobs page at ${parsed.error.issues[0]?.path.join('.') || 'body'}`);
  }
  const p = parsed.data;
  const perPage = p.per_page && p.per_page > 0 ? Math.trunc(p.per_page) : asked.perPage;
  return {
    page: p.page && p.page > 0 ? Math.trunc(p.page) : asked.page,
    perPage,
    totalEntries: Math.max(0, Math.trunc(p.total_entries)),
    jobs: p.entries.map((row) => {
      const job = mapJob(row, zone);
      return job instanceof UpstreamBadResponseError ? unreadableJob(row, job) : job;
    }),
  };
}

/**
 * A DateTime argument (already UTC ISO with milliseconds) in the seed's form, whole seconds:
 * `2016-05-30T05:13:26Z`. A bound with a fraction widens to the enclosing second — a `from` rounds
 * down, a `to` up — so the window grows by under a second and never loses a job.
 */
export function comestriTime(iso: string, bound: 'from' | 'to'): string {
  const ms = Date.parse(iso);
  const second = bound === 'from' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
  return new Date(second * 1000).toISOString().replace(/\.000Z$/, 'Z');
}
