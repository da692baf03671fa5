import { ConfigError, loadConfig } from '../../src/config';
import { policyFromClaims, scopesOf } from '../../src/auth/claim-policy';
import { scopesSatisfy } from '../../src/auth/requires-scopes';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('end-user sign-in configuration (AUTH_JWT_*)', () => {
  it('is off by default', () => {
    expect(loadConfig({}).endUserAuth).toBeNull();
  });

  it('turns on with an issuer and an audience, with the documented defaults', () => {
    const config = loadConfig({ AUTH_JWT_ISSUER: 'https://id.example.com/realms/app', AUTH_JWT_AUDIENCE: 'gateway' });
    expect(config.endUserAuth).toEqual({
      issuer: 'https://id.example.com/realms/app',
      audience: 'gateway',
      jwksUrl: undefined,
      writeScope: 'gateway:write',
      claims: {},
      requestsPerMinute: 0,
    });
  });

  it('refuses an issuer without an audience, naming the variable', () => {
    const err = errorOf({ AUTH_JWT_ISSUER: 'https://id.example.com' });
    expect(err.variable).toBe('AUTH_JWT_AUDIENCE');
    expect(err.message).toMatch(/^AUTH_JWT_AUDIENCE: is required with AUTH_JWT_ISSUER/);
  });

  it('refuses sign-in settings without an issuer', () => {
    expect(errorOf({ AUTH_JWKS_URL: 'https://id.example.com/jwks' }).variable).toBe('AUTH_JWKS_URL');
  });

  it('names the variable and never echoes the value of a malformed setting', () => {
    const base = { AUTH_JWT_ISSUER: 'https://id.example.com', AUTH_JWT_AUDIENCE: 'gateway' };
    const claims = errorOf({ ...base, AUTH_JWT_CLAIMS: '{"projects": "projects", "superuser": "secret-claim-xyz"}' });
    expect(claims.variable).toBe('AUTH_JWT_CLAIMS');
    expect(claims.message).not.toContain('secret-claim-xyz');
    expect(errorOf({ ...base, AUTH_JWT_CLAIMS: 'not json' }).message).toBe(
      'AUTH_JWT_CLAIMS: must be a JSON object of policy field → claim name',
    );
    expect(errorOf({ ...base, AUTH_JWT_WRITE_SCOPE: 'two scopes' }).variable).toBe('AUTH_JWT_WRITE_SCOPE');
    expect(errorOf({ AUTH_JWT_ISSUER: 'ftp://id.example.com', AUTH_JWT_AUDIENCE: 'g' }).variable).toBe('AUTH_JWT_ISSUER');
    const secret = errorOf({ ...base, MEDIA_LINK_SECRET: 'short-secret' });
    expect(secret.message).toBe('MEDIA_LINK_SECRET: must be at least 32 characters');
  });
});

describe('claims onto the policy model', () => {
  const mapping = { projects: 'projects', accounts: 'bw', rootFields: 'fields', readOnly: 'ro', requestsPerMinute: 'rpm' };

  it('maps each configured claim (arrays or space-separated strings)', () => {
    const mapped = policyFromClaims({ projects: ['p1', 'p2'], bw: '9900000 9900001', fields: ['pipeline'], ro: true, rpm: 30 }, mapping, 0);
    expect(mapped).toEqual({
      ok: true,
      policy: {
        name: undefined,
        readOnly: true,
        projects: new Set(['p1', 'p2']),
        accounts: new Set(['9900000', '9900001']),
        rootFields: new Set(['pipeline']),
        requestsPerMinute: 30,
      },
    });
  });

  it('a mapped claim the token lacks allows nothing of that kind (fail closed); unmapped fields restrict nothing', () => {
    const mapped = policyFromClaims({}, { projects: 'projects' }, 60);
    expect(mapped).toMatchObject({
      ok: true,
      policy: { projects: new Set(), accounts: undefined, requestsPerMinute: 60, readOnly: false },
    });
  });

  it('a claim of the wrong type is named', () => {
    expect(policyFromClaims({ projects: [1] }, mapping, 0)).toEqual({ ok: false, claim: 'projects' });
    expect(policyFromClaims({ ro: 'yes' }, mapping, 0)).toEqual({ ok: false, claim: 'ro' });
    expect(policyFromClaims({ rpm: -1 }, mapping, 0)).toEqual({ ok: false, claim: 'rpm' });
  });

  it('scopes come from scope (string) or scp (array)', () => {
    expect([...scopesOf({ scope: 'a b  c' })]).toEqual(['a', 'b', 'c']);
    expect([...scopesOf({ scp: ['a', 'b', 3] })]).toEqual(['a', 'b']);
  });
});

describe('@requiresScopes semantics (OR of ANDs)', () => {
  it('holds when every scope of at least one inner list is held', () => {
    const held = new Set(['read', 'secrets']);
    expect(scopesSatisfy(held, [['secrets']])).toBe(true);
    expect(scopesSatisfy(held, [['admin'], ['read', 'secrets']])).toBe(true);
    expect(scopesSatisfy(held, [['read', 'admin']])).toBe(false);
    expect(scopesSatisfy(held, [])).toBe(false);
  });
});
