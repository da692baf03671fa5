import { loadConfig } from '../../src/config';
import { Authenticator } from '../../src/auth/authenticate';
import { GatewayKeys } from '../../src/auth/gateway-keys';
import { IssuerKeys } from '../../src/auth/issuer-keys';
import { JwtVerifier } from '../../src/auth/jwt-verifier';
import { startBenchIssuer } from './issuer';

/**
 * What signing a user in costs per request, without HTTP: the gateway's Authenticator (the
 * call every transport makes) over and over, for the same token (found by its SHA-256 in the
 * per-process cache after the first verification), for a new token each time (a full ES256
 * verification with jose), and for a gateway key, the comparison.
 */
export interface VerificationFigure {
  credential: string;
  meanMicros: number;
}

export async function measureVerification(durationMs: number): Promise<VerificationFigure[]> {
  const issuer = await startBenchIssuer();
  const config = loadConfig({ ...issuer.env, GATEWAY_API_KEYS: 'bench-gateway-key-0123456789abcdef' });
  const auth = config.endUserAuth;
  if (!auth) throw new Error('sign-in is not configured');
  const keys = new IssuerKeys({ issuer: auth.issuer, jwksUrl: auth.jwksUrl });
  await keys.refreshForKid(undefined);
  const authenticator = new Authenticator(new GatewayKeys(config.apiKeys), config.keyPolicies, { jwt: new JwtVerifier(auth, keys) });
  const one = `Bearer ${await issuer.token('bench-user')}`;
  const fresh = (await issuer.tokens(20_000)).map((t) => `Bearer ${t}`);
  const key = `Bearer ${config.apiKeys[0]}`;
  const figures: VerificationFigure[] = [];
  const measure = async (credential: string, header: (i: number) => string, cap = Infinity) => {
    for (let i = 0; i < 200; i++) await authenticator.authenticate(header(i)); // warm-up
    let n = 0;
    const started = performance.now();
    while (performance.now() - started < durationMs && n < cap) {
      const result = await authenticator.authenticate(header(n + 200));
      if (!result.ok) throw new Error(`${credential}: refused (${result.message})`);
      n += 1;
    }
    figures.push({ credential, meanMicros: ((performance.now() - started) * 1000) / n });
  };
  await measure('gateway key', () => key);
  await measure('JWT, same token every request (cached by its hash)', () => one);
  await measure('JWT, a new token every request (full ES256 verification)', (i) => fresh[i]!, fresh.length - 200);
  keys.close();
  await issuer.close();
  return figures;
}
