import { createHash } from 'node:crypto';
import { SIMULATED } from './defaults';
import { Simulator, type SimRequest, type SimResponse } from './simulator';

/** One job as the seed documents it (`GET /api/v2/jobs` → `entries[]`). */
export type ComestriJobBody = {
  id: number;
  request_id: string;
  entity: string;
  status: string;
  percent_completed: number;
  operation: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  error_count: number;
  result: string;
};

/** A row the simulator serves: normally a {@link ComestriJobBody}, anything at all when a test says so. */
export type ComestriJobRow = Record<string, unknown>;

/** The seed's example job, served as the oldest job. */
export const SEED_COMESTRI_JOB: ComestriJobBody = {
  id: 429,
  request_id: '2e2b36a6-e6f7-42ae-a388-e53bfa2626be',
  entity: 'Category',
  status: 'complete',
  percent_completed: 1,
  operation: 'insert',
  created_at: '2016-05-30T14:55:57.316+10:00',
  updated_at: '2016-05-30T14:55:58.671+10:00',
  created_by: 'test@fusionfactory.com',
  error_count: 0,
  result: 'Success',
};

/** Every status of the seed, with the result it implies. */
export const COMESTRI_STATUSES = [
  'request_received',
  'fail_to_receive',
  'ready_to_process',
  'processing',
  'fail_to_process',
  'canceled',
  'complete',
] as const;

/** Default `per_page` of the upstream (seed). */
export const COMESTRI_DEFAULT_PER_PAGE = 50;
/**
 * Largest `per_page` the simulated API accepts (422 above it). The seed leaves the validation
 * blank; 100 is the assumption the gateway is built against (docs/job.md).
 */
export const COMESTRI_SIM_MAX_PER_PAGE = 100;
/** Jobs the simulator holds besides the seed's (ids 430 upwards, newer than the seed's). */
export const COMESTRI_SIM_GENERATED_JOBS = 120;

const SUBMITTERS = ['test@fusionfactory.com', 'feeds@fusionfactory.com', 'ops+night@example.com'];
const ENTITIES = ['Category', 'Product', 'Inventory', 'Price', 'Order'];
const OPERATIONS = ['insert', 'update', 'upsert', 'delete'];
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const TIME_FILTERS = ['created_time_from', 'created_time_to', 'updated_time_from', 'updated_time_to'] as const;

interface Account {
  email: string;
  /** A known account that may not read jobs (403). */
  forbidden: boolean;
}

/**
 * Simulated Comestri: `GET /api/v2/jobs` with every filter of the seed, `page`/`per_page` paging
 * with `total_pages`/`total_entries`, the `Authorization: Token token=…,email=…` header, and the
 * seed's error statuses: 401 (no or unknown token, with a `WWW-Authenticate` challenge), 403
 * (an account that may not read jobs), 404 (an `id` no job has), 422 (a parameter that fails
 * validation), 500 (injected with `inject({ kind: 'status', status: 500 })`).
 *
 * Jobs are listed newest first (id descending). Switches: {@link setJobs}, {@link addJob},
 * {@link accept}, {@link forbid}, {@link capPerPage}, plus the base class's latency and faults.
 */
export class ComestriSimulator extends Simulator {
  private jobs: ComestriJobRow[];
  private readonly accounts = new Map<string, Account>();
  private perPageCap: number | null = null;

  constructor() {
    super('comestri');
    this.jobs = defaultJobs();
    this.accept(SIMULATED.comestri.token, SIMULATED.comestri.email);
    this.route('GET', '/api/v2/jobs', (req) => this.listJobs(req));
  }

  /** Replaces every job (rows are served as given, newest first by numeric id). */
  setJobs(rows: readonly ComestriJobRow[]): this {
    this.jobs = [...rows];
    return this;
  }

  addJob(row: ComestriJobRow): this {
    this.jobs.push(row);
    return this;
  }

  /** Changes one job's fields (its status, progress...) as the upstream would while it runs. */
  updateJob(id: number, patch: Partial<ComestriJobBody>): this {
    this.jobs = this.jobs.map((j) => (Number(j.id) === id ? { ...j, ...patch } : j));
    return this;
  }

  /** The jobs the simulator serves, in the order it lists them. */
  listed(): ComestriJobRow[] {
    return [...this.jobs].sort((a, b) => Number(b.id) - Number(a.id));
  }

  /** Registers an API token and the e-mail it belongs to. */
  accept(token: string, email: string): this {
    this.accounts.set(token, { email, forbidden: false });
    return this;
  }

  /** Makes a known account answer 403. */
  forbid(token: string): this {
    const account = this.accounts.get(token);
    if (account) account.forbidden = true;
    return this;
  }

  /**
   * Silently serves at most `n` rows per page (echoing `per_page: n`), as APIs that clamp
   * instead of refusing do; `null` restores the 422 above {@link COMESTRI_SIM_MAX_PER_PAGE}.
   */
  capPerPage(n: number | null): this {
    this.perPageCap = n;
    return this;
  }

  private listJobs(req: SimRequest): SimResponse {
    const denied = this.authenticate(req);
    if (denied) return denied;

    const errors: string[] = [];
    const page = positiveInt(req.query.get('page'), 1, 'page', errors);
    let perPage = positiveInt(req.query.get('per_page'), COMESTRI_DEFAULT_PER_PAGE, 'per_page', errors);
    if (this.perPageCap !== null) perPage = Math.min(perPage, this.perPageCap);
    else if (perPage > COMESTRI_SIM_MAX_PER_PAGE) errors.push(`per_page must be less than or equal to ${COMESTRI_SIM_MAX_PER_PAGE}`);
    const id = req.query.get('id');
    if (id !== null && !/^\d+$/.test(id)) errors.push('id must be an integer');
    const times: Partial<Record<(typeof TIME_FILTERS)[number], number>> = {};
    for (const name of TIME_FILTERS) {
      const value = req.query.get(name);
      if (value === null) continue;
      const ms = ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) errors.push(`${name} must be in ISO_8601 format, e.g. 2016-05-30T05:13:26Z`);
      else times[name] = ms;
    }
    if (errors.length) return { status: 422, json: { errors } };

    if (id !== null && !this.jobs.some((j) => String(j.id) === id)) {
      return { status: 404, json: { error: `Couldn't find Job with 'id'=${id}` } };
    }
    const requestId = req.query.get('request_id');
    const createdBy = req.query.get('created_by');
    const within = (value: unknown, from: number | undefined, to: number | undefined) => {
      const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (from !== undefined && !(ms >= from)) return false;
      if (to !== undefined && !(ms <= to)) return false;
      return true;
    };
    const matching = this.listed().filter(
      (j) =>
        (id === null || String(j.id) === id) &&
        (requestId === null || j.request_id === requestId) &&
        (createdBy === null || j.created_by === createdBy) &&
        within(j.created_at, times.created_time_from, times.created_time_to) &&
        within(j.updated_at, times.updated_time_from, times.updated_time_to),
    );
    return {
      status: 200,
      json: {
        page,
        per_page: perPage,
        total_pages: Math.ceil(matching.length / perPage),
        total_entries: matching.length,
        entries: matching.slice((page - 1) * perPage, page * perPage),
      },
    };
  }

  /** The error answer for a request without a valid token, or undefined when it may read jobs. */
  private authenticate(req: SimRequest): SimResponse | undefined {
    const credentials = parseTokenHeader(req.header('authorization'));
    const account = credentials && this.accounts.get(credentials.token);
    if (!credentials || !account || account.email !== credentials.email) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Token realm="Application"' },
        json: { error: 'HTTP Token: Access denied.' },
      };
    }
    if (account.forbidden) return { status: 403, json: { error: 'You are not authorized to access jobs.' } };
    return undefined;
  }
}

/** `Token token=abc,email=a@b.c` (values optionally quoted, as Rails accepts) → its parts. */
export function parseTokenHeader(value: string | undefined): { token: string; email: string } | undefined {
  const m = /^Token\s+(.+)$/i.exec(value?.trim() ?? '');
  if (!m?.[1]) return undefined;
  const parts: Record<string, string> = {};
  for (const pair of m[1].split(/\s*,\s*/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    parts[pair.slice(0, eq).trim()] = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return parts.token && parts.email ? { token: parts.token, email: parts.email } : undefined;
}

function positiveInt(raw: string | null, fallback: number, name: string, errors: string[]): number {
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    errors.push(`${name} must be a positive integer`);
    return fallback;
  }
  return Number(raw);
}

/** `2026-10-01T09:00:00.000+10:00`: Comestri writes times in the account's zone (the seed: +10:00). */
function sydneyTime(ms: number): string {
  return new Date(ms + 10 * 3600_000).toISOString().replace('Z', '+10:00');
}

/** The seed's job plus deterministic newer ones covering every status and result. */
function defaultJobs(): ComestriJobRow[] {
  const jobs: ComestriJobRow[] = [SEED_COMESTRI_JOB];
  const start = Date.UTC(2026, 8, 30, 23, 0, 0);
  for (let i = 0; i < COMESTRI_SIM_GENERATED_JOBS; i += 1) {
    const h = createHash('sha256').update(`comestri-job-${i}`).digest();
    const status = COMESTRI_STATUSES[i % COMESTRI_STATUSES.length]!;
    const created = start + i * 37 * 60_000 + (h[0]! % 60) * 1000 + h[1]!;
    const errorCount =
      status === 'fail_to_receive' || status === 'fail_to_process'
        ? 1 + (h[2]! % 5)
        : status === 'complete' && h[3]! % 4 === 0
          ? 1 + (h[4]! % 3)
          : 0;
    const result = status === 'complete' ? (errorCount ? 'Failure' : 'Success') : status.startsWith('fail_') ? 'Failure' : 'Pending';
    const percent =
      status === 'complete' || status.startsWith('fail_') || status === 'canceled'
        ? status === 'complete'
          ? 1
          : Math.round((h[5]! / 255) * 100) / 100
        : status === 'processing'
          ? Math.round((0.05 + (h[6]! / 255) * 0.9) * 100) / 100
          : 0;
    const hex = h.toString('hex');
    jobs.push({
      id: 430 + i,
      request_id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
      entity: ENTITIES[h[7]! % ENTITIES.length]!,
      status,
      percent_completed: percent,
      operation: OPERATIONS[h[8]! % OPERATIONS.length]!,
      created_at: sydneyTime(created),
      updated_at: sydneyTime(created + (5 + (h[9]! % 600)) * 1000 + h[10]!),
      created_by: SUBMITTERS[i % SUBMITTERS.length]!,
      error_count: errorCount,
      result,
    } satisfies ComestriJobBody);
  }
  return jobs;
}
