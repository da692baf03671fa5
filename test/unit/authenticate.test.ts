import { Authenticator, callerLabel } from '../../src/auth/authenticate';
import { GatewayKeys } from '../../src/auth/gateway-keys';
import { KeyRateLimiter, keyIdOf, parseKeyPolicies } from '../../src/auth/key-policy';

describe('Authenticator', () => {
  const keys = ['service-key-one', 'service-key-two'];
  const policies = parseKeyPolicies(JSON.stringify({ [keyIdOf('service-key-two')]: { name: 'reporting', requestsPerMinute: 2 } }), {
    apiKeys: keys,
    defaultRequestsPerMinute: 0,
  });

  it('lets anyone in under the open policy when no gateway key is configured', async () => {
    const open = new Authenticator(new GatewayKeys([]), parseKeyPolicies(undefined, { apiKeys: [], defaultRequestsPerMinute: 0 }));
    const auth = await open.authenticate(undefined);
    expect(open.required).toBe(false);
    expect(auth).toMatchObject({ ok: true, caller: { kind: 'open' } });
    expect(auth.ok && callerLabel(auth.caller)).toBeNull();
  });

  it('refuses a missing or wrong key with 401 UNAUTHENTICATED, never echoing what was sent', async () => {
    const authenticator = new Authenticator(new GatewayKeys(keys), policies);
    expect(await authenticator.authenticate(undefined)).toMatchObject({ ok: false, status: 401, code: 'UNAUTHENTICATED' });
    const wrong = await authenticator.authenticate('Bearer not-a-key-at-all');
    expect(wrong).toMatchObject({ ok: false, status: 401, code: 'UNAUTHENTICATED' });
    expect(JSON.stringify(wrong)).not.toContain('not-a-key-at-all');
  });

  it("names a key caller by its key id and hands back that key's policy", async () => {
    const authenticator = new Authenticator(new GatewayKeys(keys), policies);
    const auth = await authenticator.authenticate('Bearer service-key-two');
    expect(auth).toMatchObject({ ok: true, caller: { kind: 'key', keyId: keyIdOf('service-key-two') }, policy: { name: 'reporting' } });
    expect(auth.ok && callerLabel(auth.caller)).toBe(`key:${keyIdOf('service-key-two')}`);
  });

  it("takes one request of the caller's rate per authenticate, none per identify, and answers 429 with Retry-After once spent", async () => {
    let now = 0;
    const authenticator = new Authenticator(new GatewayKeys(keys), policies, { rateLimiter: new KeyRateLimiter({ now: () => now }) });
    expect((await authenticator.identify('Bearer service-key-two')).ok).toBe(true);
    expect((await authenticator.authenticate('Bearer service-key-two')).ok).toBe(true);
    expect((await authenticator.authenticate('Bearer service-key-two')).ok).toBe(true);
    expect(await authenticator.authenticate('Bearer service-key-two')).toMatchObject({
      ok: false,
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterSeconds: 30,
    });
    // Another key has its own bucket (no limit by default).
    expect((await authenticator.authenticate('Bearer service-key-one')).ok).toBe(true);
    now += 30_000;
    expect((await authenticator.authenticate('Bearer service-key-two')).ok).toBe(true);
  });
});
