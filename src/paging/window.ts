import { badUserInput } from '../errors';

/**
 * The items a client asked for, as absolute offsets in the upstream's ordering. Relay cursors
 * over offset-paged upstreams are opaque, versioned encodings of such an offset, so they survive
 * different page sizes between requests (the gateway maps offsets to whatever page size it asks
 * upstream for).
 */
export interface PageWindow {
  /** Absolute index of the first item wanted. */
  offset: number;
  /** How many items wanted. */
  limit: number;
}

export interface PageArgsOptions {
  /** `first` when absent. */
  defaultFirst: number;
  /** Largest `first` accepted (documented in the schema description). */
  maxFirst: number;
}

const PREFIX = 'gw1:';

/** The opaque cursor of an absolute offset. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`${PREFIX}${offset}`, 'utf8').toString('base64url');
}

/** Absolute offset of a cursor; BAD_USER_INPUT when it is not one of ours. */
export function decodeCursor(cursor: string, argument = 'after'): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^gw1:(\d{1,9})$/.exec(text);
  if (!m) throw badUserInput(`${argument} is not a cursor this gateway issued`, { argument });
  return Number(m[1]);
}

/** Validates `first`/`after` and answers the window of items wanted. */
export function pageWindow(first: number | null | undefined, after: string | null | undefined, options: PageArgsOptions): PageWindow {
  if (first !== null && first !== undefined && (first < 0 || first > options.maxFirst)) {
    throw badUserInput(`first must be between 0 and ${options.maxFirst}, got ${first}`, { argument: 'first' });
  }
  const offset = after ? decodeCursor(after) + 1 : 0;
  return { offset, limit: first ?? options.defaultFirst };
}

/** Upstream page numbers (1-based) and size that cover a window. */
export function upstreamPagesFor(window: PageWindow, pageSize: number): { firstPage: number; lastPage: number; pageSize: number } {
  const firstPage = Math.floor(window.offset / pageSize) + 1;
  const lastPage = Math.max(firstPage, Math.floor((window.offset + Math.max(window.limit, 1) - 1) / pageSize) + 1);
  return { firstPage, lastPage, pageSize };
}

/** Which upstream pages (1-based, all of `perPage` rows) cover a window of absolute offsets. */
export interface PagePlan {
  perPage: number;
  pages: number[];
}

/**
 * Plans the `page`/`per_page` calls that cover `window` (Relay cursors are absolute offsets, so
 * any page size will do). Prefers ONE call: the smallest page size of at least `limit` rows
 * whose page holds the whole window — forward paging with a constant `first` is always such a
 * window, so it costs one call per GraphQL page. Otherwise it falls back to consecutive pages of
 * `maxPerPage`. A window of 0 items still needs the total: one row of page 1.
 */
export function planPages(window: PageWindow, maxPerPage: number): PagePlan {
  if (!Number.isInteger(maxPerPage) || maxPerPage < 1) {
    throw new TypeError(`maxPerPage must be a positive integer, got ${String(maxPerPage)}`);
  }
  const { offset, limit } = window;
  if (limit <= 0) return { perPage: 1, pages: [1] };
  const last = offset + limit - 1;
  for (let size = Math.min(limit, maxPerPage); size <= maxPerPage; size += 1) {
    if (Math.floor(offset / size) === Math.floor(last / size)) return { perPage: size, pages: [Math.floor(offset / size) + 1] };
  }
  const first = Math.floor(offset / maxPerPage) + 1;
  const lastPage = Math.floor(last / maxPerPage) + 1;
  return { perPage: maxPerPage, pages: Array.from({ length: lastPage - first + 1 }, (_, i) => first + i) };
}
