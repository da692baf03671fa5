import { comestriTime, jobResultOf, jobStatusOf, mapJob, mapJobPage, percentCompletedOf } from '../../src/upstreams/job/mapping';
import { UpstreamBadResponseError } from '../../src/errors';
import { parseTokenHeader, SEED_COMESTRI_JOB } from '../../src/simulators/comestri';
import { comestriCredentials } from '../../src/upstreams/job/auth';

describe('Comestri job mapping', () => {
  it.each([
    ['request_received', 'REQUEST_RECEIVED'],
    ['fail_to_receive', 'FAIL_TO_RECEIVE'],
    ['ready_to_process', 'READY_TO_PROCESS'],
    ['processing', 'PROCESSING'],
    ['fail_to_process', 'FAIL_TO_PROCESS'],
    ['canceled', 'CANCELED'],
    ['complete', 'COMPLETE'],
    ['Ready To Process', 'READY_TO_PROCESS'],
    ['cancelled', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    [null, 'UNKNOWN'],
  ])('status %j → %s', (value, expected) => {
    expect(jobStatusOf(value)).toBe(expected);
  });

  it.each([
    ['Success', 'SUCCESS'],
    ['Failure', 'FAILURE'],
    ['Pending', 'PENDING'],
    ['partial', 'UNKNOWN'],
    [null, null],
    [' ', null],
  ])('result %j → %j', (value, expected) => {
    expect(jobResultOf(value)).toBe(expected);
  });

  it.each([
    [0, 0],
    [0.25, 0.25],
    [1, 1],
    // Off the seed's 0..1 scale: not guessed.
    [55, null],
    [100, null],
    [-1, null],
    [1.01, null],
    [Number.NaN, null],
    [null, null],
  ])('percent_completed %j → %j (0..1)', (value, expected) => {
    expect(percentCompletedOf(value)).toBe(expected);
  });

  it('maps numeric strings and ids as the upstream may send them', () => {
    expect(mapJob({ id: '430', status: 'processing', percent_completed: '0.5', error_count: '2' }, '+08:00')).toMatchObject({
      id: '430',
      percentCompleted: 0.5,
      errorCount: 2,
    });
  });

  it('returns an error value (not a throw) for a row without an id', () => {
    const mapped = mapJob({ ...SEED_COMESTRI_JOB, id: null }, '+08:00');
    expect(mapped).toBeInstanceOf(UpstreamBadResponseError);
    expect((mapped as Error).message).toContain('unreadable job at id');
  });

  it('takes the page size the upstream says it used, and keeps a bad row in its place as a plain (cacheable) marker', () => {
    const entries = [SEED_COMESTRI_JOB, 'garbage', { id: 431, status: ['not', 'a', 'string'] }];
    const page = mapJobPage({ page: 2, per_page: 10, total_pages: 3, total_entries: 25, entries }, { page: 2, perPage: 50 }, 'Z');
    expect(page).toMatchObject({ page: 2, perPage: 10, totalEntries: 25 });
    const jobs = (page as { jobs: unknown[] }).jobs;
    expect(jobs[0]).toMatchObject({ id: '429', createdAt: '2016-05-30T04:55:57.316Z' });
    expect(jobs[1]).toEqual({ unreadable: 'unreadable job at entry' });
    expect(jobs[2]).toEqual({ unreadable: 'unreadable job at status', id: '431' });
    expect(JSON.parse(JSON.stringify(page))).toEqual(page);
    expect(mapJobPage({ entries: [] }, { page: 1, perPage: 50 }, 'Z')).toBeInstanceOf(UpstreamBadResponseError);
  });

  it('writes filter times in the seed’s form, whole seconds, widening a fractional bound outward', () => {
    expect(comestriTime('2016-05-30T05:13:26.000Z', 'from')).toBe('2016-05-30T05:13:26Z');
    expect(comestriTime('2016-05-30T05:13:26.000Z', 'to')).toBe('2016-05-30T05:13:26Z');
    expect(comestriTime('2016-05-30T05:13:26.120Z', 'from')).toBe('2016-05-30T05:13:26Z');
    expect(comestriTime('2016-05-30T05:13:26.120Z', 'to')).toBe('2016-05-30T05:13:27Z');
    expect(comestriTime('2016-05-30T23:59:59.999Z', 'to')).toBe('2016-05-31T00:00:00Z');
  });
});

describe('Comestri authentication', () => {
  it('sends the contract’s header, which the simulator reads back', async () => {
    const credentials = comestriCredentials({ token: 'abc123', email: 'ops+night@example.com' });
    const headers = await credentials.authenticator.authenticate({
      method: 'GET',
      url: new URL('http://x/api/v2/jobs'),
      headers: {},
      body: '',
    });
    expect(headers).toEqual({ authorization: 'Token token=abc123,email=ops+night@example.com' });
    expect(parseTokenHeader(headers.authorization)).toEqual({ token: 'abc123', email: 'ops+night@example.com' });
    expect(parseTokenHeader('Token token="abc123", email="a@b.c"')).toEqual({ token: 'abc123', email: 'a@b.c' });
    expect(parseTokenHeader('Bearer abc123')).toBeUndefined();
  });

  it('caches under a hash of the account, never the token', () => {
    const a = comestriCredentials({ token: 'abc123', email: 'a@example.com' });
    const b = comestriCredentials({ token: 'abc123', email: 'b@example.com' });
    expect(a.identity).not.toContain('abc123');
    expect(a.identity).not.toBe(b.identity);
  });
});
