import type { AxiosInstance } from 'axios';
import { WeChatAPIError } from '../transport/errors.js';
import { WeChatHttpClient } from '../transport/http.js';

export const STABLE_TOKEN_PATH = '/cgi-bin/stable_token';
export const TOKEN_PATH_CGI = '/cgi-bin/token';

/** Errcodes that mean "this server token was replaced elsewhere or expired" (miniprogram-protocol.md §5). */
export const STALE_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 42001]);

/** A server access token and when it stops being used (a little before WeChat's `expires_in`). */
export interface CachedAccessToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * Shares the access token between instances (`RedisAccessTokenStore` in
 * `passport-wechat-oauth2/redis`). `fetchOnce` runs `fetch` on one instance at
 * a time and lets the others read its result, so N instances fetch once.
 */
export interface AccessTokenStore {
  get(appID: string): Promise<CachedAccessToken | undefined>;
  /** Runs `fetch` under a shared lock (or reads what another instance just fetched) and stores the result. */
  fetchOnce(appID: string, fetch: () => Promise<CachedAccessToken>): Promise<CachedAccessToken>;
  /** Forgets the token, but only while it is still `accessToken` (a newer one stays). */
  invalidate(appID: string, accessToken: string): Promise<void>;
}

export interface WeChatAccessTokenManagerOptions {
  appID?: string | undefined;
  /** Never logged. */
  appSecret?: string | undefined;
  apiBaseURL?: string | readonly string[] | undefined;
  timeout?: number | undefined;
  httpClient?: AxiosInstance | undefined;
  store?: AccessTokenStore | undefined;
  /**
   * `true` (default): `POST /cgi-bin/stable_token`, idempotent, so racing
   * instances get the same token. `false`: `GET /cgi-bin/token`, where every
   * call replaces the previous token (§5).
   */
  stable?: boolean | undefined;
}

/** How long before WeChat's expiry a token stops being handed out: 60 s, or half its life if shorter. */
function usableUntil(expiresIn: number, now: number): number {
  const lifeMs = Math.max(0, expiresIn) * 1000;
  return now + lifeMs - Math.min(60_000, lifeMs / 2);
}

/**
 * The server access token of one app (Mini Program, Official Account):
 * cached until shortly before it expires, fetched by one request however many
 * callers ask at once, shared between instances through `store`, and
 * replaced once when an API says another process replaced it (40001/42001).
 * Never `force_refresh`: WeChat allows 20 a day (miniprogram-protocol.md §5).
 */
export class WeChatAccessTokenManager {
  readonly appID: string;
  readonly #appSecret: string;
  readonly #http: WeChatHttpClient;
  readonly #store: AccessTokenStore | undefined;
  readonly #stable: boolean;
  #cached: CachedAccessToken | undefined;
  #inflight: Promise<CachedAccessToken> | undefined;

  constructor(options: WeChatAccessTokenManagerOptions) {
    if (!options?.appID || !options.appSecret)
      throw new TypeError('WeChatAccessTokenManager requires appID and appSecret');
    this.appID = options.appID;
    this.#appSecret = options.appSecret;
    this.#http = new WeChatHttpClient({
      apiBaseURL: options.apiBaseURL,
      timeout: options.timeout,
      httpClient: options.httpClient,
    });
    this.#store = options.store;
    this.#stable = options.stable ?? true;
  }

  /** A valid token; concurrent callers share one upstream request. */
  async getAccessToken(): Promise<string> {
    const cached = this.#cached;
    if (cached && cached.expiresAt > Date.now()) return cached.accessToken;
    this.#inflight ??= this.#load().finally(() => (this.#inflight = undefined));
    return (await this.#inflight).accessToken;
  }

  /**
   * An API answered 40001/42001 for `accessToken`: forget it, here and in the
   * store, so the next {@link getAccessToken} fetches a new one. A token
   * already replaced is left alone, so N callers that saw the same failure
   * cause one fetch.
   */
  async invalidate(accessToken: string): Promise<void> {
    if (this.#cached?.accessToken === accessToken) this.#cached = undefined;
    await this.#store?.invalidate(this.appID, accessToken);
  }

  /**
   * Runs `call` with a token; if it fails with 40001/42001, invalidates that
   * token, fetches a new one and retries exactly once. Every server-side API
   * of this package goes through here.
   */
  async withAccessToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.getAccessToken();
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof WeChatAPIError) || !STALE_TOKEN_ERRCODES.has(err.errcode)) throw err;
      await this.invalidate(token);
      return call(await this.getAccessToken());
    }
  }

  async #load(): Promise<CachedAccessToken> {
    const store = this.#store;
    let token: CachedAccessToken | undefined;
    if (store) {
      const shared = await store.get(this.appID);
      token = shared && shared.expiresAt > Date.now() ? shared : await store.fetchOnce(this.appID, () => this.#fetch());
    } else {
      token = await this.#fetch();
    }
    this.#cached = token;
    return token;
  }

  async #fetch(): Promise<CachedAccessToken> {
    const credentials = { grant_type: 'client_credential', appid: this.appID, secret: this.#appSecret };
    const { json } = this.#stable
      ? await this.#http.post<{ access_token?: unknown; expires_in?: unknown }>(
          STABLE_TOKEN_PATH,
          {},
          { ...credentials, force_refresh: false },
        )
      : await this.#http.get<{ access_token?: unknown; expires_in?: unknown }>(TOKEN_PATH_CGI, credentials);
    if (typeof json.access_token !== 'string' || json.access_token === '' || typeof json.expires_in !== 'number') {
      throw new WeChatAPIError(
        -1,
        'the token answer has no access_token or expires_in',
        this.#stable ? STABLE_TOKEN_PATH : TOKEN_PATH_CGI,
        { retryable: true },
      );
    }
    return { accessToken: json.access_token, expiresAt: usableUntil(json.expires_in, Date.now()) };
  }
}
