import type { AxiosInstance } from 'axios';
import { WeChatAPIError } from '../transport/errors.js';
import { WeChatHttpClient } from '../transport/http.js';
import { AccessTokenManager } from './manager.js';
import { usableUntil, type AccessTokenStore, type CachedAccessToken } from './store.js';

export type { AccessTokenStore, CachedAccessToken } from './store.js';

export const STABLE_TOKEN_PATH = '/cgi-bin/stable_token';
export const TOKEN_PATH_CGI = '/cgi-bin/token';

/** Errcodes that mean "this server token was replaced elsewhere or expired" (miniprogram-protocol.md §5). */
export const STALE_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 42001]);

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

/**
 * The server access token of one app (Mini Program, Official Account):
 * cached until shortly before it expires, fetched by one request however many
 * callers ask at once, shared between instances through `store`, and
 * replaced once when an API says another process replaced it (40001/42001).
 * Never `force_refresh`: WeChat allows 20 a day (miniprogram-protocol.md §5).
 */
export class WeChatAccessTokenManager extends AccessTokenManager {
  readonly appID: string;
  readonly #appSecret: string;
  readonly #http: WeChatHttpClient;
  readonly #stable: boolean;

  constructor(options: WeChatAccessTokenManagerOptions) {
    if (!options?.appID || !options.appSecret)
      throw new TypeError('WeChatAccessTokenManager requires appID and appSecret');
    super(options.appID, options.store, STALE_TOKEN_ERRCODES);
    this.appID = options.appID;
    this.#appSecret = options.appSecret;
    this.#http = new WeChatHttpClient({
      apiBaseURL: options.apiBaseURL,
      timeout: options.timeout,
      httpClient: options.httpClient,
    });
    this.#stable = options.stable ?? true;
  }

  protected async fetchToken(): Promise<CachedAccessToken> {
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
