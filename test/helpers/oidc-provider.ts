import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';

/** A signing key of the test provider: its private JWK (handed to the provider) and the key itself (for hand-signed tokens). */
export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
}

export async function signingKey(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** A client of the provider (client credentials grant); `tokenClaims` are added to its access tokens. */
export interface TestClient {
  clientId: string;
  secret: string;
  /** Scopes the client may ask for. */
  scope: string;
  tokenClaims?: Record<string, unknown>;
}

type Reply = { type: string; [k: string]: unknown };

/**
 * A real oidc-provider (test/helpers/oidc-provider-process.mjs) on a free loopback port,
 * issuing JWT access tokens through the client credentials grant with a resource indicator.
 */
export class TestOidcProvider {
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
    readonly audience: string,
    private readonly clients: TestClient[],
  ) {}

  static async start(options: { keys: SigningKey[]; clients: TestClient[]; audience: string }): Promise<TestOidcProvider> {
    const child = fork(path.join(__dirname, 'oidc-provider-process.mjs'), [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const provider = new TestOidcProvider(child, '', options.audience, options.clients);
    const reply = await provider.ask({
      type: 'start',
      port: 0,
      keys: options.keys.map((k) => k.jwk),
      audience: options.audience,
      clients: options.clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.secret,
        scope: c.scope,
        token_claims: c.tokenClaims,
      })),
    });
    return new TestOidcProvider(child, String(reply.issuer), options.audience, options.clients);
  }

  /** An access token for `clientId` from the provider's token endpoint (real HTTP). */
  async token(clientId: string, scope?: string): Promise<string> {
    const client = this.clients.find((c) => c.clientId === clientId);
    if (!client) throw new TypeError(`no test client ${clientId}`);
    const body = new URLSearchParams({ grant_type: 'client_credentials', resource: this.audience, scope: scope ?? client.scope });
    const res = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
      },
      body,
    });
    const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!json.access_token) throw new Error(`token endpoint answered ${res.status}: ${json.error} ${json.error_description}`);
    return json.access_token;
  }

  /** The provider signs with `keys[0]` from now on and publishes all of `keys`. */
  async rotate(keys: SigningKey[]): Promise<void> {
    await this.ask({ type: 'rotate', keys: keys.map((k) => k.jwk) });
  }

  /** An outage: the provider's port refuses connections until {@link restart}. */
  async stop(): Promise<void> {
    await this.ask({ type: 'stop' });
  }

  async restart(): Promise<void> {
    await this.ask({ type: 'restart' });
  }

  /** How many times the JWKS and the discovery document were fetched. */
  async stats(): Promise<{ jwks: number; discovery: number }> {
    const reply = await this.ask({ type: 'stats' });
    return { jwks: Number(reply.jwks), discovery: Number(reply.discovery) };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    await exited;
  }

  private ask(message: Record<string, unknown>): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        this.child.off('exit', onExit);
        if (reply.type === 'error') reject(new Error(String(reply.message)));
        else resolve(reply);
      };
      const onExit = (code: number | null) => {
        this.child.off('message', onMessage);
        reject(new Error(`the OIDC provider process exited (${code})`));
      };
      this.child.once('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }
}
