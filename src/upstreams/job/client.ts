import type { UpstreamClient } from '../http-client';
import type { ComestriCredentials } from './auth';

/** The filters of `GET /api/v2/jobs`, already validated, times as the upstream wants them. */
export interface ComestriJobQuery {
  id?: string;
  requestId?: string;
  createdBy?: string;
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
}

export interface ComestriPageRequest {
  query: ComestriJobQuery;
  /** 1-based; the upstream's default (1) when absent. */
  page?: number;
  /** The upstream's default (50) when absent. */
  perPage?: number;
}

/**
 * Largest `per_page` the gateway asks Comestri for. The seed documents the default (50) but
 * leaves the maximum blank; 100 is the assumption (docs/job.md). An upstream that serves fewer
 * rows than asked is still read correctly (loaders.ts re-plans at its size).
 */
export const COMESTRI_MAX_PER_PAGE = 100;

/** Comestri jobs API: `GET /api/v2/jobs` (seed: comestri-jobs-api.md). */
export class ComestriClient {
  constructor(private readonly http: UpstreamClient) {}

  /** One page of jobs; the body stays `unknown` until mapped (`{page, per_page, total_pages, total_entries, entries}`). */
  async listJobs(request: ComestriPageRequest, credentials: ComestriCredentials, signal?: AbortSignal): Promise<unknown> {
    const { query } = request;
    const res = await this.http.request({
      method: 'GET',
      path: '/api/v2/jobs',
      query: {
        page: request.page,
        per_page: request.perPage,
        id: query.id,
        request_id: query.requestId,
        created_by: query.createdBy,
        created_time_from: query.createdFrom,
        created_time_to: query.createdTo,
        updated_time_from: query.updatedFrom,
        updated_time_to: query.updatedTo,
      },
      read: true,
      auth: credentials.authenticator,
      signal,
    });
    return res.body;
  }
}
