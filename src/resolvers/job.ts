import type { JobFilter, Resolvers } from '../generated/graphql';
import { badUserInput } from '../errors';
import type { ComestriJobQuery } from '../upstreams/job/client';
import { comestriTime } from '../upstreams/job/mapping';
import { positionedConnection } from '../paging/connection';
import { reportLeftOut } from '../paging/left-out';
import { pageWindow } from '../paging/window';

/** `first` when absent, and the most `jobs` answers at once (documented in schema/job.graphql). */
export const JOBS_DEFAULT_FIRST = 20;
export const JOBS_MAX_FIRST = 100;

/** Comestri job ids are integers (the seed's example: 429). */
const JOB_ID = /^\d{1,18}$/;
const MAX_TEXT = 256;

export function checkJobId(id: string, argument: string): void {
  if (!JOB_ID.test(id))
    throw badUserInput(`${argument}: a Comestri job id is a whole number, got ${JSON.stringify(id.slice(0, 64))}`, { argument });
}

function checkText(value: string, argument: string): string {
  if (value.trim() === '' || value.length > MAX_TEXT) {
    throw badUserInput(`${argument} must be 1 to ${MAX_TEXT} characters`, { argument });
  }
  return value;
}

function checkRange(from: string | null | undefined, to: string | null | undefined, argument: string): void {
  if (from && to && Date.parse(from) > Date.parse(to)) {
    throw badUserInput(`filter.${argument}From must not be after filter.${argument}To`, { argument: `filter.${argument}From` });
  }
}

/**
 * The upstream query of a filter, refused with BAD_USER_INPUT before any call when the gateway can
 * tell it is wrong. DateTimes arrive already checked and in UTC (the scalar).
 */
export function jobQueryOf(filter: JobFilter | null | undefined): ComestriJobQuery {
  if (!filter) return {};
  const query: ComestriJobQuery = {};
  if (filter.id != null) {
    checkJobId(filter.id, 'filter.id');
    query.id = filter.id;
  }
  if (filter.requestId != null) query.requestId = checkText(filter.requestId, 'filter.requestId');
  if (filter.createdBy != null) query.createdBy = checkText(filter.createdBy, 'filter.createdBy');
  checkRange(filter.createdFrom, filter.createdTo, 'created');
  checkRange(filter.updatedFrom, filter.updatedTo, 'updated');
  if (filter.createdFrom) query.createdFrom = comestriTime(filter.createdFrom, 'from');
  if (filter.createdTo) query.createdTo = comestriTime(filter.createdTo, 'to');
  if (filter.updatedFrom) query.updatedFrom = comestriTime(filter.updatedFrom, 'from');
  if (filter.updatedTo) query.updatedTo = comestriTime(filter.updatedTo, 'to');
  return query;
}

export const jobResolvers: Resolvers = {
  Query: {
    async jobs(_root, { filter, first, after }, ctx, info) {
      const query = jobQueryOf(filter);
      const window = pageWindow(first, after, { defaultFirst: JOBS_DEFAULT_FIRST, maxFirst: JOBS_MAX_FIRST });
      // Edges and nodes are non-null: a row the gateway cannot read is left out (its position
      // stays free, totalCount stays the upstream's) and reported at this field's path.
      const read = await ctx.loaders.comestri.window(query, window);
      reportLeftOut(ctx, info, read.leftOut, 'job', 'comestri');
      return positionedConnection(read, window);
    },
    async job(_root, { id }, ctx) {
      checkJobId(id, 'id');
      return ctx.loaders.comestri.job.load(id);
    },
  },
};
