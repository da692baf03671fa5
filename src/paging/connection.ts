import type { LeftOutRow } from './left-out';
import { encodeCursor, type PageWindow } from './window';

/** A Relay connection: the page of nodes with their cursors, and where it sits in the list. */
export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/**
 * Builds a connection from the items of a window. `items[0]` sits at `window.offset`;
 * `totalCount` is the upstream total (used for hasNextPage).
 */
export function toConnection<T>(items: readonly T[], window: PageWindow, totalCount: number): Connection<T> {
  const nodes = items.slice(0, window.limit);
  const edges = nodes.map((node, i) => ({ cursor: encodeCursor(window.offset + i), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: window.offset + nodes.length < totalCount,
      hasPreviousPage: window.offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount,
  };
}

/** The readable rows of a window, at their upstream positions. */
export interface PositionedRows<T, Total extends number | null = number | null> {
  rows: ReadonlyArray<{ position: number; node: T }>;
  /** Upstream total (left-out rows included); null where the upstream gives none. */
  total: Total;
  /** Whether rows may follow the window. */
  more: boolean;
  /** Rows of the window left out (unreadable): their positions still count as read. */
  leftOut?: readonly LeftOutRow[];
}

/**
 * A Relay connection whose cursors are the rows' upstream positions. `toConnection` numbers the
 * nodes it is given; here a row left out keeps its position free, so the next page starts
 * after the last row served and nothing is skipped or served twice.
 */
export function positionedConnection<T, Total extends number | null>(
  read: PositionedRows<T, Total>,
  window: PageWindow,
): Omit<Connection<T>, 'totalCount'> & { totalCount: Total } {
  return connectionOf(read, window, read.total);
}

/** {@link positionedConnection} whose `totalCount` is 0 where the upstream gave no total. */
export function countedConnection<T>(
  read: PositionedRows<T, number | null>,
  window: PageWindow,
): Omit<Connection<T>, 'totalCount'> & { totalCount: number } {
  return connectionOf(read, window, read.total ?? 0);
}

function connectionOf<T, Total extends number | null>(
  read: PositionedRows<T, number | null>,
  window: PageWindow,
  total: Total,
): Omit<Connection<T>, 'totalCount'> & { totalCount: Total } {
  const edges = read.rows.map((r) => ({ cursor: encodeCursor(r.position), node: r.node }));
  // The end cursor is the last position the window consumed, served or left out: a window whose
  // every row was unreadable still hands the client a cursor to continue after them.
  const consumed = [...read.rows.map((r) => r.position), ...(read.leftOut ?? []).map((r) => r.position)];
  const last = consumed.length ? Math.max(...consumed) : null;
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: read.more,
      hasPreviousPage: window.offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: last === null ? null : encodeCursor(last),
    },
    totalCount: total,
  };
}
