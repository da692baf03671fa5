import { setFlagsFromString } from 'node:v8';

/** What {@link tuneGarbageCollection} set (or found set on node's command line), for the startup log. */
export interface GcTuning {
  allocationSitePretenuring: boolean;
  /** The old generation may grow to (1 + this/100) × what the last full collection kept; 0: V8's own heuristic. */
  heapGrowingPercent: number;
}

/** Old-generation growth allowed between full collections, in % of what the last one kept. */
const HEAP_GROWING_PERCENT = 50;

/**
 * Tunes V8's garbage collector for a request/response server, unless node's command line already
 * sets the flag in question (`node --allocation-site-pretenuring dist/src/main.js` keeps V8's
 * default). Flags are set here because NODE_OPTIONS does not take V8 flags. Measured in
 * docs/scaling.md, "What each request leaves behind":
 *
 * - **Allocation-site pretenuring off.** V8 allocates the objects of an allocation site straight
 *   into the old generation once most of its objects were seen to survive a young-generation
 *   collection, which request objects do under load. Pretenured request objects then point at
 *   the request's young objects and keep them alive through every scavenge until the next full
 *   collection, copied each time: with Apollo patched, the warm dashboard promoted 11.5 KB per
 *   request with it on and 1.15 KB off; scavenge pauses 2.7 → 1.0–1.2 ms.
 * - **Heap growing factor fixed at 1.5.** Left to itself, V8 lets the old generation grow up to
 *   4× what survived the last full collection when collections have been cheap, so RSS rose by a
 *   quarter for a few seconds before a full collection every few minutes. Capped, the full
 *   collections come at the same pace and RSS stays level.
 *
 * Call it first thing in the process, before the gateway allocates.
 */
export function tuneGarbageCollection(execArgv: readonly string[] = process.execArgv): GcTuning {
  // V8 flags may be spelt with _ or -.
  const given = (name: string) => execArgv.find((a) => new RegExp(`^--(no-)?${name}(=|$)`).test(a.replace(/_/g, '-')));

  const pretenuring = given('allocation-site-pretenuring');
  if (!pretenuring) setFlagsFromString('--no-allocation-site-pretenuring');

  const growing = given('heap-growing-percent');
  if (!growing) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);

  return {
    allocationSitePretenuring: pretenuring ? !pretenuring.startsWith('--no-') : false,
    heapGrowingPercent: growing ? Number(growing.split('=')[1] ?? 0) : HEAP_GROWING_PERCENT,
  };
}
