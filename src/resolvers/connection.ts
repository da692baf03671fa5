import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import type { UpstreamName } from '../config';
import { badUserInput } from '../errors';
import { reportLeftOutRow } from '../plugins/left-out-rows';

/**
 * Relay connections over offset-paged upstreams. A cursor is an opaque, versioned encoding of
 * the absolute position of an item in the upstream's ordering, so it survives different page
 * sizes between requests (the gateway maps offsets to whatever page size it asks upstream for).
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

/** A row of an upstream list the gateway cannot read: left out of the list, reported with why. */
export interface LeftOutRow {
  /** Absolute position of the row in the upstream's ordering. */
  position: number;
  /** The row's id where it had a readable one. */
  id: string | null;
  reason: string;
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

/**
 * {@link positionedConnection} whose `totalCount` is 0 where the upstream gave no total. (Not
 * `{ ...positionedConnection(), totalCount }`: on Node 20's V8 an object built as a spread
 * followed by a property survives young-generation collections; docs/scaling.md.)
 */
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

/**
 * Rows left out of a list the answer still carries (its items are non-null, so one cannot be
 * nulled alone): one UPSTREAM_BAD_RESPONSE error each, at the list's path.
 */
export function reportLeftOut(
  context: object,
  info: GraphQLResolveInfo,
  leftOut: readonly LeftOutRow[],
  what: string,
  upstream: UpstreamName,
): void {
  for (const row of leftOut) {
    reportLeftOutRow(context, {
      message: `A ${what} (position ${row.position}${row.id ? `, ${row.id}` : ''}) was left out: ${upstream} sent a row the gateway cannot read (${row.reason})`,
      path: responsePathAsArray(info.path),
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream },
    });
  }
}
