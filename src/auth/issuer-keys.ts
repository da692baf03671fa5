import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { request, type Dispatcher } from 'undici';
import type { Logger } from '../observability/logger';

/** What /readyz says about the sign-in provider's keys. */
export interface IssuerKeysState {
  /**
   * `up`: the last fetch succeeded. `stale`: the last fetch failed; the keys fetched before keep
   * verifying. `down`: no key set was ever fetched (tokens get 503). `starting`: the first fetch is under way.
   */
  state: 'starting' | 'up' | 'stale' | 'down';
  keys: number;
  /** When the key set in use was fetched (ISO), if ever. */
  fetchedAt?: string;
  /** Why the last fetch failed (never a secret: the URL and the failure). */
  lastError?: string;
}

export interface IssuerKeysOptions {
  /** `iss` the discovery document must state (`AUTH_JWT_ISSUER`). */
  issuer: string;
  /** JWKS URL given directly (`AUTH_JWKS_URL`); discovery is skipped. */
  jwksUrl?: string;
  /** Pool the fetches go through (proxy, extra CAs); undici's global one when absent. */
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Clock (ms). Default Date.now. */
  now?: () => number;
  /** How long one fetch may take (ms). Default 5000. */
  timeoutMs?: number;
  /** Background refresh while the keys are fresh (ms). Default 10 minutes. */
  refreshIntervalMs?: number;
  /** Background retry while the provider cannot be reached (ms). Default 30 s. */
  retryIntervalMs?: number;
  /** The same unknown `kid` refetches at most this often (ms). Default 30 s (contract). */
  perKidIntervalMs?: number;
  /** Fetches per rolling minute, whatever the reason. Default 10 (contract). */
  maxFetchesPerMinute?: number;
}

/** Asymmetric key types only: a symmetric (`oct`) key in a published set is never used. */
const ASYMMETRIC_KTY = new Set(['RSA', 'EC', 'OKP']);
const MAX_DOCUMENT_BYTES = 512 * 1024;
const MAX_TRACKED_KIDS = 10_000;

/**
 * The issuer's published signing keys (its JWKS), found through discovery
 * (`<issuer>/.well-known/openid-configuration` → `jwks_uri`) or `AUTH_JWKS_URL`.
 *
 * Fetch rules (contract): a token whose `kid` is not known asks for a refetch at once, so a key
 * rotated in at the provider works on its first token; the same unknown `kid` refetches at most
 * once per 30 s, and whatever the kids, one fetch runs at a time (concurrent askers join it) and
 * at most 10 run per rolling minute, background refreshes included. A failed fetch keeps the
 * keys fetched before: the provider being down never stops tokens whose keys are known.
 */
export class IssuerKeys {
  private jwks: { getKey: JWTVerifyGetKey; kids: ReadonlySet<string>; count: number; fetchedAt: number } | null = null;
  private lastError: string | undefined;
  private attempted = false;
  private inFlight: Promise<void> | null = null;
  private jwksUri: string | undefined;
  private readonly fetchTimes: number[] = [];
  private readonly kidTries = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: IssuerKeysOptions) {
    this.now = options.now ?? Date.now;
    this.jwksUri = options.jwksUrl;
  }

  /** Fetches the keys in the background and keeps them fresh; never throws, never blocks the start. */
  start(): void {
    void this.refresh();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Whether a key set was ever fetched. */
  get loaded(): boolean {
    return this.jwks !== null;
  }

  /** The key resolver of the key set in use (jose picks by `kid`, `alg` and `kty`), or null before the first fetch. */
  get getKey(): JWTVerifyGetKey | null {
    return this.jwks?.getKey ?? null;
  }

  /** Whether the key set in use holds `kid`. */
  knows(kid: string): boolean {
    return this.jwks?.kids.has(kid) ?? false;
  }

  state(): IssuerKeysState {
    const state: IssuerKeysState['state'] = !this.attempted
      ? 'starting'
      : this.jwks === null
        ? 'down'
        : this.lastError === undefined
          ? 'up'
          : 'stale';
    return {
      state,
      keys: this.jwks?.count ?? 0,
      ...(this.jwks ? { fetchedAt: new Date(this.jwks.fetchedAt).toISOString() } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  /**
   * Refetches because a token named `kid`, which the key set in use does not hold (or because
   * no key set was fetched yet). Resolves once the fetch it started or joined is over, or at
   * once when the limits allow none.
   */
  async refreshForKid(kid: string | undefined): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (kid !== undefined && this.jwks !== null) {
      const now = this.now();
      const last = this.kidTries.get(kid);
      if (last !== undefined && now - last < (this.options.perKidIntervalMs ?? 30_000)) return;
      this.rememberKid(kid, now);
    }
    return this.refresh();
  }

  private rememberKid(kid: string, now: number): void {
    if (this.kidTries.size >= MAX_TRACKED_KIDS) {
      const horizon = now - (this.options.perKidIntervalMs ?? 30_000);
      for (const [k, at] of this.kidTries) if (at < horizon) this.kidTries.delete(k);
      // Still full of kids tried in the last 30 s: the per-minute cap bounds fetches anyway.
      if (this.kidTries.size >= MAX_TRACKED_KIDS) this.kidTries.clear();
    }
    this.kidTries.set(kid, now);
  }

  /** One fetch, if none is running and the per-minute budget allows it. */
  private refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.closed) return Promise.resolve();
    const now = this.now();
    while (this.fetchTimes.length && now - this.fetchTimes[0]! >= 60_000) this.fetchTimes.shift();
    if (this.fetchTimes.length >= (this.options.maxFetchesPerMinute ?? 10)) return Promise.resolve();
    this.fetchTimes.push(now);
    this.inFlight = this.fetchKeys().finally(() => {
      this.inFlight = null;
      this.schedule();
    });
    return this.inFlight;
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const ms = this.lastError === undefined ? (this.options.refreshIntervalMs ?? 600_000) : (this.options.retryIntervalMs ?? 30_000);
    this.timer = setTimeout(() => void this.refresh(), ms);
    this.timer.unref();
  }

  private async fetchKeys(): Promise<void> {
    try {
      if (this.jwksUri === undefined) {
        const discoveryUrl = `${this.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
        const discovery = await this.getJson(discoveryUrl);
        const { issuer, jwks_uri: jwksUri } = (discovery ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
        if (issuer !== this.options.issuer) throw new Error(`the discovery document at ${discoveryUrl} names another issuer`);
        if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri)) throw new Error(`the discovery document has no jwks_uri`);
        this.jwksUri = jwksUri;
      }
      const set = await this.getJson(this.jwksUri);
      const keys = (set as { keys?: unknown } | null)?.keys;
      if (!Array.isArray(keys)) throw new Error(`${this.jwksUri} is not a JSON Web Key Set`);
      const usable = keys.filter(
        (k): k is JWK =>
          typeof k === 'object' && k !== null && ASYMMETRIC_KTY.has((k as JWK).kty ?? '') && (k as JWK).use !== 'enc' && !('d' in k),
      );
      const jwks: JSONWebKeySet = { keys: usable };
      const kids = new Set(usable.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
      this.jwks = { getKey: createLocalJWKSet(jwks), kids, count: usable.length, fetchedAt: this.now() };
      if (this.lastError !== undefined) this.options.logger?.info({ keys: usable.length }, 'sign-in provider keys fetched again');
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.options.logger?.warn(
        { error: this.lastError, keysKept: this.jwks?.count ?? 0 },
        this.jwks
          ? 'sign-in provider keys could not be refreshed: the keys fetched before keep working'
          : 'sign-in provider keys could not be fetched',
      );
    } finally {
      this.attempted = true;
    }
  }

  private async getJson(url: string): Promise<unknown> {
    const timeout = this.options.timeoutMs ?? 5000;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
    } catch (err) {
      throw new Error(
        `${url} could not be reached (${err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.name) : 'error'})`,
      );
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`${url} answered HTTP ${res.statusCode}`);
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_DOCUMENT_BYTES) {
        res.body.destroy();
        throw new Error(`${url} answered more than ${MAX_DOCUMENT_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new Error(`${url} did not answer JSON`);
    }
  }
}
