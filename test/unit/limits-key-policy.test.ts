import { parse, getOperationAST, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { loadTypeDefs } from '../../src/gateway';
import { keyIdOf, KeyRateLimiter, parseKeyPolicies } from '../../src/auth/key-policy';
import { operationScope, scopeViolation, type ScopeDefaults } from '../../src/plugins/key-scopes';
import { RetryBudget } from '../../src/upstreams/retry-budget';
import { GATEWAY_KEY, GATEWAY_KEY_2 } from '../helpers/secrets';

const CODEARTS = '54f90b75fc1447b1b65e8d3a9f77923d';
const RTS = '95d02433133a4c0a87ba6967474a2ad3';
const OTHER = 'ffffffffffffffffffffffffffffffff';
const defaults: ScopeDefaults = { codeartsProjectId: CODEARTS, rtsProjectId: RTS, bandwidthAccountId: '9900000' };

let schema: GraphQLSchema;
beforeAll(() => {
  schema = makeExecutableSchema({ typeDefs: loadTypeDefs() });
});

function scopeOf(query: string, variables?: Record<string, unknown>) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return { kind: operation.operation, scope: operationScope(schema, document, operation, variables, defaults) };
}

describe('GATEWAY_API_KEY_POLICIES', () => {
  const keys = { apiKeys: [GATEWAY_KEY, GATEWAY_KEY_2], defaultRequestsPerMinute: 0 };

  it('names keys by the first 12 hex digits of their SHA-256, so the policy holds no secret', () => {
    const policies = parseKeyPolicies(
      JSON.stringify({ [keyIdOf(GATEWAY_KEY)]: { name: 'dashboard', readOnly: true, requestsPerMinute: 60 } }),
      keys,
    );
    expect(keyIdOf(GATEWAY_KEY)).toMatch(/^[0-9a-f]{12}$/);
    expect(policies.for(keyIdOf(GATEWAY_KEY))).toMatchObject({ name: 'dashboard', readOnly: true, requestsPerMinute: 60 });
    expect(policies.for(keyIdOf(GATEWAY_KEY_2))).toMatchObject({ readOnly: false, requestsPerMinute: 0 });
    expect(policies.restrictive).toBe(true);
  });

  it('`*` is the policy of every key without its own', () => {
    const policies = parseKeyPolicies(JSON.stringify({ '*': { projects: [CODEARTS] } }), keys);
    expect([...(policies.for(keyIdOf(GATEWAY_KEY_2)).projects ?? [])]).toEqual([CODEARTS]);
    // Keys off: nothing to restrict by.
    expect(policies.for(null).projects).toBeUndefined();
  });

  it.each([
    ['not JSON', '{', 'must be a JSON object'],
    ['an unknown key id', JSON.stringify({ '0123456789ab': { readOnly: true } }), 'no key in GATEWAY_API_KEYS has this id'],
    ['a malformed key id', JSON.stringify({ 'gw-key': {} }), 'a key id is 12 lower-case hex digits'],
    ['an unknown option', JSON.stringify({ '*': { readonly: true } }), 'Unrecognized key'],
    ['a negative rate', JSON.stringify({ '*': { requestsPerMinute: -1 } }), 'requestsPerMinute'],
  ])('refuses %s', (_label, json, message) => {
    expect(() => parseKeyPolicies(json, keys)).toThrow(message);
  });
});

describe('per-key rate limit (token bucket)', () => {
  it('allows a burst of the per-minute rate, then one request per 60/rate seconds, and says how long to wait', () => {
    let now = 0;
    const limiter = new KeyRateLimiter({ now: () => now });
    for (let i = 0; i < 6; i++) expect(limiter.take('k', 6).ok).toBe(true);
    expect(limiter.take('k', 6)).toEqual({ ok: false, retryAfterSeconds: 10 });
    now = 10_000;
    expect(limiter.take('k', 6).ok).toBe(true);
    expect(limiter.take('k', 6).ok).toBe(false);
    // Another key has its own bucket; 0 is unlimited.
    expect(limiter.take('other', 6).ok).toBe(true);
    for (let i = 0; i < 100; i++) expect(limiter.take('free', 0).ok).toBe(true);
  });
});

describe('key scopes: what an operation touches', () => {
  it('finds projects given inline, through variables, or defaulted per upstream', () => {
    const { scope } = scopeOf(
      `query($p: ID) { a: pipeline(projectId: $p, id: "x") { id } b: pipeline(id: "y") { id } softwareDeployments { id } }`,
      { p: OTHER },
    );
    expect([...scope.projects].sort()).toEqual([CODEARTS, RTS, OTHER].sort());
    expect([...scope.rootFields].sort()).toEqual(['pipeline', 'softwareDeployments']);
  });

  it('finds accounts, and projects inside input objects', () => {
    const { scope } = scopeOf(
      `mutation { createRepository(input: { format: NPM, name: "n" }) { ok } deleteRecording(accountId: "42", callId: "c", recordingId: "r") { ok } }`,
    );
    expect([...scope.projects]).toEqual([CODEARTS]);
    expect([...scope.accounts]).toEqual(['42']);
  });

  it('a read-only key may query but not mutate', () => {
    const policies = parseKeyPolicies(JSON.stringify({ '*': { readOnly: true } }), { apiKeys: [], defaultRequestsPerMinute: 0 });
    const policy = policies.for('000000000000');
    const q = scopeOf(`{ gatewayInfo { version } }`);
    const m = scopeOf(`mutation { resetArtifactPassword { ok } }`);
    expect(scopeViolation(policy, q.kind, q.scope)).toBeUndefined();
    expect(scopeViolation(policy, m.kind, m.scope)).toBe('This gateway key is read-only: mutations are refused');
  });

  it('a key limited to projects, accounts or root fields is refused anything else', () => {
    const policies = parseKeyPolicies(
      JSON.stringify({
        '*': { projects: [CODEARTS, RTS], accounts: ['9900000'], rootFields: ['pipeline', 'recordings', 'softwareDeployments'] },
      }),
      {
        apiKeys: [],
        defaultRequestsPerMinute: 0,
      },
    );
    const policy = policies.for('000000000000');
    const check = (query: string, variables?: Record<string, unknown>) => {
      const { kind, scope } = scopeOf(query, variables);
      return scopeViolation(policy, kind, scope);
    };
    expect(check(`{ pipeline(id: "x") { id } softwareDeployments { id } recordings { totalCount } }`)).toBeUndefined();
    expect(check(`query($p: ID) { pipeline(projectId: $p, id: "x") { id } }`, { p: OTHER })).toBe(
      `This gateway key may not use project "${OTHER}"`,
    );
    expect(check(`{ recordings(accountId: "123") { totalCount } }`)).toBe('This gateway key may not use account "123"');
    expect(check(`{ jobs { totalCount } }`)).toBe('This gateway key may not use the field jobs');
  });
});

describe('retry budget', () => {
  it('allows retries up to the percentage of calls plus a minimum per second', () => {
    let now = 0;
    const budget = new RetryBudget({ percent: 20, minPerSecond: 0, now: () => now });
    // Starts with a burst allowance of `minPerSecond + percent` retries.
    let burst = 0;
    while (budget.tryWithdraw()) burst += 1;
    expect(burst).toBe(20);
    for (let i = 0; i < 10; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);

    const timed = new RetryBudget({ percent: 0, minPerSecond: 2, now: () => now });
    while (timed.tryWithdraw());
    now += 1000;
    expect(timed.tryWithdraw()).toBe(true);
    expect(timed.tryWithdraw()).toBe(true);
    expect(timed.tryWithdraw()).toBe(false);
  });
});
