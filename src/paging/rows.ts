import type { PositionedRows } from './connection';
import type { LeftOutRow } from './left-out';
import { upstreamPagesFor, type PageWindow } from './window';

/** One upstream page after mapping: readable rows and left-out ones, at their absolute positions. */
export interface PositionedPage<T> {
  rows: ReadonlyArray<{ position: number; node: T }>;
  leftOut: readonly LeftOutRow[];
  /** Upstream total, or null where the upstream gives none. */
  total: number | null;
  /** Rows the upstream returned on this page, left-out ones included. */
  count: number;
}

/**
 * The rows of a window of an offset-paged list, read page by page. The total, for lists without
 * one upstream, is known only once a short page was seen (`more` tells whether rows may follow).
 */
export interface WindowRead<T> extends PositionedRows<T> {
  rows: Array<{ position: number; node: T }>;
  leftOut: LeftOutRow[];
}

/**
 * Reads the upstream pages covering `window`. The page size follows `limit` (at most
 * `maxPageSize`), so paging on with the same `first` costs one call per page. Null when a page
 * answered "missing".
 */
export async function readPagedWindow<T>(
  window: PageWindow,
  maxPageSize: number,
  page: (pageNo: number, pageSize: number) => Promise<PositionedPage<T> | null>,
): Promise<WindowRead<T> | null> {
  const pageSize = Math.min(Math.max(window.limit, 1), maxPageSize);
  const { firstPage, lastPage } = upstreamPagesFor(window, pageSize);
  const pages = await Promise.all(Array.from({ length: lastPage - firstPage + 1 }, (_, i) => page(firstPage + i, pageSize)));
  const read: Array<PositionedPage<T>> = [];
  for (const p of pages) {
    if (p === null) return null;
    read.push(p);
  }
  const end = window.offset + window.limit;
  const inWindow = (position: number) => position >= window.offset && position < end;
  const shortIndex = read.findIndex((p) => p.count < pageSize);
  const reported = read[0]?.total ?? null;
  const total = reported ?? (shortIndex >= 0 ? (firstPage + shortIndex - 1) * pageSize + (read[shortIndex]?.count ?? 0) : null);
  return {
    rows: read.flatMap((p) => p.rows).filter((r) => inWindow(r.position)),
    leftOut: read.flatMap((p) => p.leftOut).filter((r) => inWindow(r.position)),
    total,
    more: total !== null ? end < total : shortIndex < 0,
  };
}

/**
 * The window of a list read whole: the first `limit` readable rows from `offset` on. Cursors are
 * upstream positions, so a row left out keeps its place, the next page starts right after the
 * last row served, and nothing is skipped or served twice. Answers the rows to serve and the
 * left-out rows the window stepped over (to report).
 */
export function listWindow<T>(
  list: { rows: ReadonlyArray<{ position: number; node: T }>; leftOut: readonly LeftOutRow[]; total: number },
  window: PageWindow,
): { read: PositionedRows<T, number>; leftOut: LeftOutRow[] } {
  const candidates = list.rows.filter((r) => r.position >= window.offset);
  const taken = candidates.slice(0, window.limit);
  const more = candidates.length > taken.length;
  const last = taken[taken.length - 1];
  const through = window.limit === 0 ? window.offset - 1 : more && last ? last.position : list.total - 1;
  return {
    read: { rows: taken, total: list.total, more },
    leftOut: list.leftOut.filter((r) => r.position >= window.offset && r.position <= through),
  };
}
