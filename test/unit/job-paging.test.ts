import { planPages } from '../../src/paging/window';

/** The absolute offsets a plan fetches. */
function covered(plan: { perPage: number; pages: number[] }): [number, number] {
  const first = plan.pages[0]!;
  const last = plan.pages[plan.pages.length - 1]!;
  return [(first - 1) * plan.perPage, last * plan.perPage - 1];
}

describe('planning Comestri page calls for a window of absolute offsets', () => {
  it.each([
    [
      { offset: 0, limit: 20 },
      { perPage: 20, pages: [1] },
    ],
    [
      { offset: 40, limit: 20 },
      { perPage: 20, pages: [3] },
    ],
    [
      { offset: 7, limit: 7 },
      { perPage: 7, pages: [2] },
    ],
    [
      { offset: 3, limit: 5 },
      { perPage: 8, pages: [1] },
    ],
    [
      { offset: 0, limit: 100 },
      { perPage: 100, pages: [1] },
    ],
  ])('covers %j with one call when one page can: %j', (window, plan) => {
    expect(planPages(window, 100)).toEqual(plan);
  });

  it('falls back to consecutive pages of the largest size when no single page holds the window', () => {
    expect(planPages({ offset: 5, limit: 100 }, 100)).toEqual({ perPage: 100, pages: [1, 2] });
    expect(planPages({ offset: 95, limit: 30 }, 10)).toEqual({ perPage: 10, pages: [10, 11, 12, 13] });
  });

  it('asks for one row of page 1 when only the total is wanted', () => {
    expect(planPages({ offset: 60, limit: 0 }, 100)).toEqual({ perPage: 1, pages: [1] });
  });

  it('always covers the whole window, whatever its offset and size', () => {
    for (let offset = 0; offset < 250; offset += 7) {
      for (const limit of [1, 2, 13, 50, 99, 100]) {
        for (const max of [10, 37, 100]) {
          const plan = planPages({ offset, limit }, max);
          const [from, to] = covered(plan);
          expect(plan.perPage).toBeLessThanOrEqual(max);
          expect(from).toBeLessThanOrEqual(offset);
          expect(to).toBeGreaterThanOrEqual(offset + limit - 1);
        }
      }
    }
  });

  it('refuses a maximum page size that is not a positive integer, naming the value', () => {
    expect(() => planPages({ offset: 0, limit: 1 }, 0)).toThrow(new TypeError('maxPerPage must be a positive integer, got 0'));
  });
});
