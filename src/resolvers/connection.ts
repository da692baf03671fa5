import { badUserInput } from '../errors';

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
