import { ConfigError, loadConfig } from '../../src/config';

describe('RESULT_CACHE_STALE_SECONDS: the stale-while-revalidate window per upstream', () => {
  it('defaults to 30 s for every upstream', () => {
    const config = loadConfig({});
    expect(config.resultCacheStaleSeconds).toEqual({ iam: 30, pipeline: 30, artifact: 30, rts: 30, bandwidth: 30, comestri: 30 });
  });

  it('takes a default and per-upstream overrides', () => {
    const config = loadConfig({ RESULT_CACHE_STALE_SECONDS: '60, bandwidth=0,pipeline=5' });
    expect(config.resultCacheStaleSeconds).toMatchObject({ pipeline: 5, bandwidth: 0, artifact: 60, comestri: 60 });
    expect(loadConfig({ RESULT_CACHE_STALE_SECONDS: 'rts=10' }).resultCacheStaleSeconds).toMatchObject({ rts: 10, pipeline: 0 });
  });

  it('refuses an unknown upstream or a malformed value, naming the variable', () => {
    expect(() => loadConfig({ RESULT_CACHE_STALE_SECONDS: 'pipelines=5' })).toThrow(ConfigError);
    expect(() => loadConfig({ RESULT_CACHE_STALE_SECONDS: 'thirty' })).toThrow(/^RESULT_CACHE_STALE_SECONDS: /);
  });
});
