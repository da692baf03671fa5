import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';

const ISSUER = 'https://bench-issuer.invalid';
const AUDIENCE = 'bench-gateway';

/**
 * The benchmark's sign-in provider: one ES256 key published as a JWKS on loopback (the gateway
 * is given `AUTH_JWKS_URL`, so no discovery), and tokens signed here as a provider would sign them.
 */
export async function startBenchIssuer(): Promise<{
  env: Record<string, string>;
  token(subject: string): Promise<string>;
  tokens(n: number): Promise<string[]>;
  close(): Promise<void>;
}> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' }] });
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  const sign = (key: KeyLike, subject: string) =>
    new SignJWT({ scope: 'gateway:read', jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  return {
    env: { AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_JWKS_URL: url },
    token: (subject) => sign(privateKey, subject),
    async tokens(n) {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(await sign(privateKey, `bench-user-${i % 500}`));
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
