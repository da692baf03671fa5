import type { PageWindow } from '../../resolvers/connection';

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
export function planJobPages(window: PageWindow, maxPerPage: number): PagePlan {
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
