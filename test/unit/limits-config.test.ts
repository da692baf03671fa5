import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { keyIdOf } from '../../src/auth/key-policy';
import { proxyFor } from '../../src/upstreams/outbound';
import { GATEWAY_KEY } from '../helpers/secrets';

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('resilience and security configuration', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c.upstreamPolicy).toEqual({
      deadlineMs: 10000,
      connectTimeoutMs: 3000,
      headersTimeoutMs: 10000,
      bodyTimeoutMs: 10000,
      retries: 2,
      retryBackoffMs: 50,
      retryBudgetPercent: 20,
      retryBudgetMinPerSecond: 5,
      maxRetryAfterSeconds: 10,
      breakerFailureThreshold: 5,
      breakerResetMs: 10000,
      connections: 64,
    });
    expect(c.operationLimits).toEqual({
      maxDepth: 12,
      maxAliases: 30,
      maxRootFields: 20,
      maxTokens: 4000,
      maxQueryBytes: 32768,
      maxCost: 10000,
      defaultListSize: 20,
    });
    expect(c.cors).toEqual({ origins: [], maxAgeSeconds: 600 });
    expect(c.compression).toEqual({ enabled: true, minBytes: 1024 });
    expect(c.operationDeadlineMs).toBe(30000);
    expect(c.maxBodyBytes).toBe(1048576);
    expect(c.batching).toEqual({ enabled: false, maxOperations: 10 });
    expect(c.tokenEncryptionKey).toBeUndefined();
    expect(c.outbound).toEqual({ httpProxy: undefined, httpsProxy: undefined, noProxy: [], extraCaCertificates: [] });
  });

  it('UPSTREAM_<NAME>_* overrides one upstream’s policy over the UPSTREAM_* defaults', () => {
    const c = loadConfig({
      UPSTREAM_DEADLINE_MS: '5000',
      UPSTREAM_BANDWIDTH_DEADLINE_MS: '20000',
      UPSTREAM_PIPELINE_RETRIES: '0',
      UPSTREAM_IAM_BREAKER_FAILURES: '2',
    });
    expect(c.upstreamPolicies.bandwidth.deadlineMs).toBe(20000);
    expect(c.upstreamPolicies.pipeline.deadlineMs).toBe(5000);
    expect(c.upstreamPolicies.pipeline.retries).toBe(0);
    expect(c.upstreamPolicies.rts.retries).toBe(2);
    expect(c.upstreamPolicies.iam.breakerFailureThreshold).toBe(2);
  });

  it('reads proxies in either case; NO_PROXY lists hosts', () => {
    const c = loadConfig({ https_proxy: 'http://proxy.internal:3128', NO_PROXY: 'localhost, .svc.cluster.local,10.0.0.1:8080' });
    expect(c.outbound.httpsProxy).toBe('http://proxy.internal:3128');
    expect(c.outbound.httpProxy).toBeUndefined();
    expect(c.outbound.noProxy).toEqual(['localhost', '.svc.cluster.local', '10.0.0.1:8080']);
    const outbound = { ...c.outbound, httpProxy: 'http://proxy.internal:3128' };
    expect(proxyFor(new URL('https://iam.myhuaweicloud.com'), outbound)).toBe('http://proxy.internal:3128');
    expect(proxyFor(new URL('http://pipeline.svc.cluster.local'), outbound)).toBeUndefined();
    expect(proxyFor(new URL('http://localhost:9000'), outbound)).toBeUndefined();
    expect(proxyFor(new URL('http://10.0.0.1:8080'), outbound)).toBeUndefined();
    expect(proxyFor(new URL('http://10.0.0.1:9090'), outbound)).toBe('http://proxy.internal:3128');
    expect(proxyFor(new URL('http://x'), { ...outbound, noProxy: ['*'] })).toBeUndefined();
  });

  it('reads the CA files it is given, NODE_EXTRA_CA_CERTS included (Node drops it once CAs are explicit)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-ca-'));
    try {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      writeFileSync(path.join(dir, 'a.pem'), pem + pem);
      writeFileSync(path.join(dir, 'b.pem'), pem);
      writeFileSync(path.join(dir, 'empty.pem'), 'nothing here');
      const c = loadConfig({ UPSTREAM_CA_FILE: path.join(dir, 'a.pem'), NODE_EXTRA_CA_CERTS: path.join(dir, 'b.pem') });
      expect(c.outbound.extraCaCertificates).toHaveLength(3);
      expect(errorOf({ UPSTREAM_CA_FILE: path.join(dir, 'empty.pem') })).toContain('UPSTREAM_CA_FILE: ');
      expect(errorOf({ UPSTREAM_CA_FILE: path.join(dir, 'missing.pem') })).toContain('UPSTREAM_CA_FILE: cannot read the file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ UPSTREAM_PIPELINE_DEADLINE_MS: 'soon' }, 'UPSTREAM_PIPELINE_DEADLINE_MS: must be a whole number'],
    [{ UPSTREAM_COMESTRI_RETRIES: '9' }, 'UPSTREAM_COMESTRI_RETRIES: must be between 0 and 5'],
    [{ HTTPS_PROXY: 'socks://x' }, 'HTTPS_PROXY: must be an http:// or https:// proxy URL'],
    [{ http_proxy: 'nope' }, 'http_proxy: must be an http:// or https:// proxy URL'],
    [{ CORS_ORIGINS: 'https://ok.example,evil' }, 'CORS_ORIGINS: each origin must be * or scheme://host[:port]'],
    [{ TOKEN_ENCRYPTION_KEY: 'short' }, 'TOKEN_ENCRYPTION_KEY: must be at least 32 characters'],
    [{ OPERATION_MAX_DEPTH: '0' }, 'OPERATION_MAX_DEPTH: must be between 1 and 100'],
    [{ GATEWAY_API_KEY_POLICIES: '{"*": {"readOnly": "yes"}}' }, 'GATEWAY_API_KEY_POLICIES: *.readOnly'],
    [
      { GATEWAY_API_KEY_POLICIES: '{"0123456789ab": {}}' },
      'GATEWAY_API_KEY_POLICIES: 0123456789ab: no key in GATEWAY_API_KEYS has this id',
    ],
  ])('refuses %j with one line naming the variable', (env, line) => {
    const message = errorOf(env);
    expect(message).toContain(line);
    expect(message).not.toContain('\n');
  });

  it('accepts a policy for a configured key by its id, and never echoes a value', () => {
    const c = loadConfig({
      GATEWAY_API_KEYS: GATEWAY_KEY,
      GATEWAY_API_KEY_POLICIES: JSON.stringify({ [keyIdOf(GATEWAY_KEY)]: { readOnly: true } }),
    });
    expect(c.keyPolicies.for(keyIdOf(GATEWAY_KEY)).readOnly).toBe(true);
    expect(errorOf({ TOKEN_ENCRYPTION_KEY: 'tiny-secret' })).not.toContain('tiny-secret');
  });
});
