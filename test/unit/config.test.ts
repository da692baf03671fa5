import { ConfigError, loadConfig } from '../../src/config';

const real = {
  CODEARTS_PIPELINE_ENDPOINT: 'https://cloudpipeline-ext.cn-north-4.myhuaweicloud.com',
  HUAWEI_IAM_ENDPOINT: 'https://iam.cn-north-4.myhuaweicloud.com',
  HUAWEI_IAM_USERNAME: 'user',
  HUAWEI_IAM_PASSWORD: 'pw-123',
  HUAWEI_IAM_DOMAIN: 'domain',
  HUAWEI_IAM_PROJECT: 'cn-north-4',
  CODEARTS_PROJECT_ID: '54f90b75fc1447b1b65e8d3a9f77923d',
};

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('simulates, and says why, when no upstream endpoint is set', () => {
    const config = loadConfig({});
    expect(config.simulation).toEqual({ reason: 'no upstream endpoint is configured' });
    expect(config.port).toBe(4000);
    expect(config.pipelineBatchMax).toBe(100);
    expect(config.upstreamTimezone).toBe('+08:00');
    expect(config.redis).toBeNull();
  });

  it('in production simulates only when SIMULATE=1 is set, and says why', () => {
    expect(loadConfig({ NODE_ENV: 'production', SIMULATE: '1' }).simulation).toEqual({ reason: 'SIMULATE=1' });
    expect(loadConfig({ NODE_ENV: 'production', ...real }).simulation).toBeNull();
  });

  it('an empty GATEWAY_API_KEYS is unset (no keys), like every other variable', () => {
    expect(loadConfig({ GATEWAY_API_KEYS: '' }).apiKeys).toEqual([]);
  });

  it('uses real endpoints with their credentials', () => {
    const config = loadConfig({ ...real, REDIS_URL: 'redis://127.0.0.1:6379/2', PIPELINE_BATCH_MAX: '50' });
    expect(config.simulation).toBeNull();
    expect(config.endpoints.pipeline).toBe(real.CODEARTS_PIPELINE_ENDPOINT);
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379/2' });
    expect(config.pipelineBatchMax).toBe(50);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: must be a whole number'],
    [{ PORT: '70000' }, 'PORT: must be between 0 and 65535'],
    [{ CODEARTS_PIPELINE_ENDPOINT: 'not a url' }, 'CODEARTS_PIPELINE_ENDPOINT: must be a base URL'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL: must be a redis:// or rediss:// URL'],
    [{ REDIS_CLUSTER_NODES: 'a:1,b' }, 'REDIS_CLUSTER_NODES: must be host:port'],
    [{ UPSTREAM_TIMEZONE: 'Asia/Shanghai' }, 'UPSTREAM_TIMEZONE: must be an offset'],
    [{ PIPELINE_BATCH_MAX: '0' }, 'PIPELINE_BATCH_MAX: must be between 1 and 1000'],
    [{ ARTIFACT_EXPOSE_MAVEN_PASSWORDS: 'yes' }, 'ARTIFACT_EXPOSE_MAVEN_PASSWORDS'],
    [{ HUAWEI_AK: 'only-ak' }, 'HUAWEI_SK: HUAWEI_AK and HUAWEI_SK go together'],
    [{ GATEWAY_API_KEYS: 'short' }, 'GATEWAY_API_KEYS: each key must be at least 16 characters'],
    [{ GATEWAY_API_KEYS: ',,,' }, 'GATEWAY_API_KEYS: is set but holds no key'],
    [{ GATEWAY_API_KEYS: ' ' }, 'GATEWAY_API_KEYS: is set but holds no key'],
    [{ GATEWAY_API_KEYS: ' , ,' }, 'GATEWAY_API_KEYS: is set but holds no key'],
    [{ NODE_ENV: 'production' }, 'SIMULATE: NODE_ENV=production and no upstream endpoint is set'],
  ])('refuses %j with one line naming the variable', (env, line) => {
    const err = errorOf(env);
    expect(err.message).toContain(line);
    expect(err.message).not.toContain('\n');
  });

  it('requires what an upstream needs as soon as its endpoint is set', () => {
    const { HUAWEI_IAM_PASSWORD: _pw, ...withoutPassword } = real;
    expect(errorOf(withoutPassword).message).toBe('HUAWEI_IAM_PASSWORD: is required because CODEARTS_PIPELINE_ENDPOINT is set');
    expect(errorOf({ BANDWIDTH_VOICE_ENDPOINT: 'https://voice.bandwidth.com/api/v2' }).variable).toBe('BANDWIDTH_USERNAME');
    expect(errorOf({ COMESTRI_ENDPOINT: 'https://comestri.example.com' }).variable).toBe('COMESTRI_API_TOKEN');
  });

  it('accepts AK/SK in place of the IAM login', () => {
    const config = loadConfig({
      CODEARTS_PIPELINE_ENDPOINT: real.CODEARTS_PIPELINE_ENDPOINT,
      CODEARTS_PROJECT_ID: real.CODEARTS_PROJECT_ID,
      HUAWEI_AK: 'AK',
      HUAWEI_SK: 'SK',
    });
    expect(config.huawei.aksk).toEqual({ ak: 'AK', sk: 'SK' });
  });

  it('never echoes a malformed value (it may be a secret)', () => {
    const err = errorOf({ GATEWAY_API_KEYS: 'tiny-secret' });
    expect(err.message).not.toContain('tiny-secret');
  });
});
