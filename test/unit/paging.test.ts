import type { GraphQLResolveInfo } from 'graphql';
import { positionedConnection } from '../../src/paging/connection';
import { reportLeftOut, type LeftOutReport } from '../../src/paging/left-out';
import { listWindow, readPagedWindow, type PositionedPage } from '../../src/paging/rows';
import { decodeCursor, encodeCursor, pageWindow } from '../../src/paging/window';

const row = (position: number) => ({ position, node: `n${position}` });

describe('paging: windows, cursors and left-out rows, one module for every list', () => {
  it('a cursor is an absolute offset; `after` starts the window right after it; bad input is refused', () => {
    expect(pageWindow(10, encodeCursor(41), { defaultFirst: 20, maxFirst: 100 })).toEqual({ offset: 42, limit: 10 });
    expect(pageWindow(undefined, null, { defaultFirst: 20, maxFirst: 100 })).toEqual({ offset: 0, limit: 20 });
    expect(() => pageWindow(101, null, { defaultFirst: 20, maxFirst: 100 })).toThrow('first must be between 0 and 100, got 101');
    expect(() => decodeCursor('bm90LW91cnM')).toThrow('after is not a cursor this gateway issued');
  });

  it('a list read whole: the window serves readable rows and reports the left-out ones it stepped over', () => {
    const list = {
      rows: [row(0), row(2), row(3), row(5)],
      leftOut: [
        { position: 1, id: 'x', reason: 'bad' },
        { position: 4, id: null, reason: 'bad' },
      ],
      total: 6,
    };
    const first = listWindow(list, { offset: 0, limit: 2 });
    expect(first.read).toEqual({ rows: [row(0), row(2)], total: 6, more: true });
    expect(first.leftOut.map((r) => r.position)).toEqual([1]);
    const connection = positionedConnection(first.read, { offset: 0, limit: 2 });
    expect(decodeCursor(connection.pageInfo.endCursor ?? '')).toBe(2);
    const next = listWindow(list, { offset: 3, limit: 2 });
    expect(next.read.rows).toEqual([row(3), row(5)]);
    expect(next.leftOut.map((r) => r.position)).toEqual([4]);
  });

  it('an offset-paged list: the pages covering the window, with the total learned from a short page', async () => {
    const pages: number[] = [];
    const upstream = async (pageNo: number, pageSize: number): Promise<PositionedPage<string>> => {
      pages.push(pageNo);
      const start = (pageNo - 1) * pageSize;
      const positions = [...Array(pageSize).keys()].map((i) => start + i).filter((p) => p < 7);
      return { rows: positions.map(row), leftOut: [], total: null, count: positions.length };
    };
    // The page size follows `first`: one call per page of 3.
    expect(await readPagedWindow({ offset: 3, limit: 3 }, 100, upstream)).toEqual({
      rows: [row(3), row(4), row(5)],
      leftOut: [],
      total: null,
      more: true,
    });
    expect(await readPagedWindow({ offset: 6, limit: 3 }, 100, upstream)).toEqual({ rows: [row(6)], leftOut: [], total: 7, more: false });
    expect(pages).toEqual([2, 3]);
    expect(await readPagedWindow({ offset: 0, limit: 2 }, 100, async () => null)).toBeNull();
  });

  it('left-out rows become one UPSTREAM_BAD_RESPONSE error each, in the operation that read them', () => {
    const operation: LeftOutReport = {};
    const info = { path: { prev: undefined, key: 'jobs', typename: 'Query' } } as unknown as GraphQLResolveInfo;
    reportLeftOut(operation, info, [], 'job', 'comestri');
    expect(operation.leftOut).toBeUndefined();
    reportLeftOut(operation, info, [{ position: 2, id: '7', reason: 'status is missing' }], 'job', 'comestri');
    expect(operation.leftOut).toEqual([
      {
        message: 'A job (position 2, 7) was left out: comestri sent a row the gateway cannot read (status is missing)',
        path: ['jobs'],
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'comestri' },
      },
    ]);
  });
});
