import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { AccessTokenManager } from '../tokens/manager.js';
import { usableUntil, type AccessTokenStore, type CachedAccessToken } from '../tokens/store.js';
import { WeChatHttpClient } from '../transport/http.js';
import { WECOM_DIALECT, WECOM_STALE_TOKEN_ERRCODES, WeComAPIError } from './errors.js';

export const WECOM_API_BASE_URL = 'https://qyapi.weixin.qq.com';
const GETTOKEN_PATH = '/cgi-bin/gettoken';

export interface WeComAccessTokenManagerOptions {
  corpID: string;
  /** Never logged. */
  agentSecret: string;
  /** Names the token in a shared store; without it, a hash of the secret does. */
  agentID?: string | undefined;
  apiBaseURL?: string | undefined;
  timeout?: number | undefined;
  httpClient?: AxiosInstance | undefined;
  /** Share the token between instances (`RedisAccessTokenStore`). */
  store?: AccessTokenStore | undefined;
}

/**
 * The corp access token of one WeCom self-built app (`/cgi-bin/gettoken`),
 * with the same cache, single flight, shared store and one retry on a stale
 * token (40014/42001) as `WeChatAccessTokenManager`.
 *
 * A WeCom token belongs to one app secret, not to the corp: "每个应用有独立的
 * secret，获取到的access_token只能本应用使用" (wecom-protocol.md §2.1). So the
 * store key is the corp **and** the agent; a cache keyed by corpid alone
 * hands one agent's token to another, which WeCom answers with 301002 (§5).
 */
export class WeComAccessTokenManager extends AccessTokenManager {
  readonly corpID: string;
  readonly agentID: string | undefined;
  readonly #agentSecret: string;
  readonly #http: WeChatHttpClient;

  constructor(options: WeComAccessTokenManagerOptions) {
    if (!options?.corpID || !options.agentSecret) {
      throw new TypeError('WeComAccessTokenManager requires corpID and agentSecret');
    }
    super(storeKey(options), options.store, WECOM_STALE_TOKEN_ERRCODES);
    this.corpID = options.corpID;
    this.agentID = options.agentID;
    this.#agentSecret = options.agentSecret;
    this.#http = weComHttpClient(options);
  }

  protected async fetchToken(): Promise<CachedAccessToken> {
    const { json } = await this.#http.get<{ access_token?: unknown; expires_in?: unknown }>(GETTOKEN_PATH, {
      corpid: this.corpID,
      corpsecret: this.#agentSecret,
    });
    // `expires_in` is seconds (7200); one Node package read it as ms and refetched every 7 s.
    if (typeof json.access_token !== 'string' || json.access_token === '' || typeof json.expires_in !== 'number') {
      throw new WeComAPIError(-1, 'the token answer has no access_token or expires_in', GETTOKEN_PATH);
    }
    return { accessToken: json.access_token, expiresAt: usableUntil(json.expires_in, Date.now()) };
  }
}

/**
 * The HTTP client of WeCom's API: one host (WeCom documents no second one),
 * tried twice, so a busy answer (-1), a 5xx, a timeout or a non-JSON body is
 * retried once before it becomes a retryable error.
 */
export function weComHttpClient(options: {
  apiBaseURL?: string | undefined;
  timeout?: number | undefined;
  httpClient?: AxiosInstance | undefined;
}): WeChatHttpClient {
  return new WeChatHttpClient({
    apiBaseURL: options.apiBaseURL ?? WECOM_API_BASE_URL,
    attemptsPerBase: 2,
    timeout: options.timeout,
    httpClient: options.httpClient,
    dialect: WECOM_DIALECT,
  });
}

function storeKey(options: WeComAccessTokenManagerOptions): string {
  const agent =
    options.agentID ?? `secret-${createHash('sha256').update(options.agentSecret).digest('base64url').slice(0, 16)}`;
  return `wecom:${options.corpID}:${agent}`;
}
