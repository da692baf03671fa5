import { randomUUID } from 'node:crypto';
import type { IamPasswordLogin } from '../config';
import type { Cache } from '../cache/cache';
import { cacheKey } from '../cache/cache';
import { UpstreamBadResponseError } from '../errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { UpstreamClient } from '../upstreams/http-client';
import type { TokenCipher } from './token-cipher';

export interface IamTokenProviderOptions {
  client: UpstreamClient;
  login: IamPasswordLogin;
  cache: Cache;
  cachePrefix: string;
  /** Cache partition of this login (hash of user, domain and project; never the token). */
  identity: string;
  /** Tokens are replaced this long before `expires_at` (s). */
  refreshMarginSeconds: number;
  logger: Logger;
  metrics: Metrics;
  /** Encrypts the token at rest in the shared cache. */
  cipher?: TokenCipher;
  /** How long another process may hold the login lock (ms). Default 10 000. */
  lockTtlMs?: number;
  /** How often a waiting process looks for the token another one is fetching (ms). Default 50. */
  pollIntervalMs?: number;
  now?: () => number;
}

interface CachedToken {
  token: string;
  /** epoch ms */
  expiresAt: number;
}

/**
 * The gateway's own IAM token (password login scoped to a project).
 *
 * - Kept in memory and in the shared cache until `expires_at` minus the margin.
 * - One login at a time per process (concurrent callers share the same promise) and across
 *   processes sharing the cache (a short lock; the others wait for the token to appear).
 * - {@link invalidate} after an upstream 401 drops exactly that token, so the next call logs
 *   in once, and processes that already hold a newer token keep it.
 */
export class IamTokenProvider {
  private current: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;
  /** The last token being stored in the shared cache (and its lock released), behind the answer. */
  private sharing: Promise<void> = Promise.resolve();
  private readonly tokenKey: string;
  private readonly lockKey: string;
  private readonly now: () => number;

  constructor(private readonly options: IamTokenProviderOptions) {
    this.tokenKey = cacheKey(options.cachePrefix, 'iam-token', options.identity, 'token');
    this.lockKey = cacheKey(options.cachePrefix, 'iam-token', options.identity, 'lock');
    this.now = options.now ?? Date.now;
  }

  async getToken(): Promise<string> {
    if (this.current && this.isFresh(this.current)) return this.current.token;
    this.inflight ??= this.obtain().finally(() => {
      this.inflight = null;
    });
    const token = await this.inflight;
    this.current = token;
    return token.token;
  }

  /** Resolves once the last token obtained is in the shared cache and its lock released (tests, shutdown). */
  async idle(): Promise<void> {
    await this.sharing;
  }

  /** Forgets `token` (answered 401 upstream) here and in the shared cache. */
  async invalidate(token: string): Promise<void> {
    if (this.current?.token === token) this.current = null;
    const shared = await this.readShared();
    if (shared?.token === token) await this.options.cache.delete(this.tokenKey);
  }

  private isFresh(t: CachedToken): boolean {
    return t.expiresAt - this.options.refreshMarginSeconds * 1000 > this.now();
  }

  private async obtain(): Promise<CachedToken> {
    const lockTtl = this.options.lockTtlMs ?? 10_000;
    const poll = this.options.pollIntervalMs ?? 50;
    const giveUpAt = this.now() + lockTtl;
    for (;;) {
      const shared = await this.readShared();
      if (shared && this.isFresh(shared)) return shared;
      const owner = randomUUID();
      const lock = await this.options.cache.acquireLock(this.lockKey, owner, lockTtl);
      if (lock === 'held' && this.now() < giveUpAt) {
        await new Promise((r) => setTimeout(r, poll));
        continue;
      }
      const release = async () => {
        if (lock === 'acquired') await this.options.cache.releaseLock(this.lockKey, owner);
      };
      let fresh: CachedToken;
      try {
        // Another process may have stored a token between our read and our lock.
        const again = lock === 'acquired' ? await this.readShared() : undefined;
        if (again && this.isFresh(again)) {
          await release();
          return again;
        }
        fresh = await this.login();
      } catch (err) {
        await release();
        throw err;
      }
      // The caller has its token now; sharing it, then letting go of the lock (in that order: a
      // process waiting on the lock then finds the token), happens behind the answer.
      const ttl = fresh.expiresAt - this.options.refreshMarginSeconds * 1000 - this.now();
      this.sharing = this.options.cache
        .set(this.tokenKey, this.seal(fresh), ttl)
        .finally(release)
        .catch((err: unknown) => this.options.logger.warn({ upstream: 'iam', err: (err as Error).message }, 'IAM token not shared'));
      return fresh;
    }
  }

  private async login(): Promise<CachedToken> {
    const { login, client, metrics, logger } = this.options;
    try {
      const res = await client.request({
        method: 'POST',
        path: '/v3/auth/tokens',
        read: false,
        json: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: login.username, password: login.password, domain: { name: login.domain } } },
            },
            scope: { project: { name: login.project } },
          },
        },
      });
      const token = res.headers['x-subject-token'];
      const expiresAtText = (res.body as { token?: { expires_at?: unknown } } | undefined)?.token?.expires_at;
      const expiresAt = typeof expiresAtText === 'string' ? Date.parse(expiresAtText) : NaN;
      if (!token) throw new UpstreamBadResponseError('iam', 'no X-Subject-Token header', res.status);
      if (Number.isNaN(expiresAt)) throw new UpstreamBadResponseError('iam', 'no token.expires_at', res.status);
      metrics.tokenFetches.inc({ outcome: 'success' });
      logger.info({ upstream: 'iam', expiresAt: new Date(expiresAt).toISOString() }, 'IAM token obtained');
      return { token, expiresAt };
    } catch (err) {
      metrics.tokenFetches.inc({ outcome: 'failure' });
      throw err;
    }
  }

  private async readShared(): Promise<CachedToken | undefined> {
    const raw = await this.options.cache.get(this.tokenKey);
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(this.options.cipher ? this.options.cipher.decrypt(raw) : raw) as CachedToken;
      return typeof parsed.token === 'string' && typeof parsed.expiresAt === 'number' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  private seal(token: CachedToken): string {
    const text = JSON.stringify(token);
    return this.options.cipher ? this.options.cipher.encrypt(text) : text;
  }
}
