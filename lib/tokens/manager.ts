import { asRetry } from '../diagnostics/upstream.js';
import { WeChatAPIError } from '../transport/errors.js';
import type { AccessTokenStore, CachedAccessToken } from './store.js';

/**
 * The core every server access-token manager shares (WeChat's per-app token,
 * WeCom's per-app-secret corp token): cached until shortly before it expires,
 * fetched by one request however many callers ask at once, shared between
 * instances through `store`, and replaced once when an API says it went
 * stale. Only {@link fetchToken} differs between them.
 */
export abstract class AccessTokenManager {
  readonly #storeKey: string;
  readonly #store: AccessTokenStore | undefined;
  readonly #staleErrcodes: ReadonlySet<number>;
  #cached: CachedAccessToken | undefined;
  #inflight: Promise<CachedAccessToken> | undefined;

  protected constructor(storeKey: string, store: AccessTokenStore | undefined, staleErrcodes: ReadonlySet<number>) {
    this.#storeKey = storeKey;
    this.#store = store;
    this.#staleErrcodes = staleErrcodes;
  }

  /** One upstream token request; the answer's lifetime already turned into `expiresAt` ({@link usableUntil}). */
  protected abstract fetchToken(): Promise<CachedAccessToken>;

  /** A valid token; concurrent callers share one upstream request. */
  async getAccessToken(): Promise<string> {
    const cached = this.#cached;
    if (cached && cached.expiresAt > Date.now()) return cached.accessToken;
    this.#inflight ??= this.#load().finally(() => (this.#inflight = undefined));
    return (await this.#inflight).accessToken;
  }

  /**
   * An API said `accessToken` is stale: forget it, here and in the store, so
   * the next {@link getAccessToken} fetches a new one. A token already
   * replaced is left alone, so N callers that saw the same failure cause one fetch.
   */
  async invalidate(accessToken: string): Promise<void> {
    if (this.#cached?.accessToken === accessToken) this.#cached = undefined;
    await this.#store?.invalidate(this.#storeKey, accessToken);
  }

  /**
   * Runs `call` with a token; if it fails with a stale-token errcode,
   * invalidates that token, fetches a new one and retries exactly once.
   * Every server-side API of this package goes through here.
   */
  async withAccessToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.getAccessToken();
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof WeChatAPIError) || !this.#staleErrcodes.has(err.errcode)) throw err;
      await this.invalidate(token);
      const fresh = await this.getAccessToken();
      // Marked, so its upstream span says `retry: true` (diagnostics/upstream.ts).
      return asRetry(() => call(fresh));
    }
  }

  async #load(): Promise<CachedAccessToken> {
    const store = this.#store;
    let token: CachedAccessToken | undefined;
    if (store) {
      const shared = await store.get(this.#storeKey);
      token =
        shared && shared.expiresAt > Date.now()
          ? shared
          : await store.fetchOnce(this.#storeKey, () => this.fetchToken());
    } else {
      token = await this.fetchToken();
    }
    this.#cached = token;
    return token;
  }
}
