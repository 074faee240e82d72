/** A server access token and when it stops being used (a little before its upstream `expires_in`). */
export interface CachedAccessToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * Shares server access tokens between instances (`RedisAccessTokenStore` in
 * `passport-wechat-oauth2/redis`). `fetchOnce` runs `fetch` on one instance at
 * a time and lets the others read its result, so N instances fetch once.
 *
 * `key` names one token: a WeChat app's appid, or a WeCom app's
 * `wecom:<corpid>:<agent>` (a WeCom token belongs to one app secret, never to
 * the corp alone, wecom-protocol.md §2.1).
 */
export interface AccessTokenStore {
  get(key: string): Promise<CachedAccessToken | undefined>;
  /** Runs `fetch` under a shared lock (or reads what another instance just fetched) and stores the result. */
  fetchOnce(key: string, fetch: () => Promise<CachedAccessToken>): Promise<CachedAccessToken>;
  /** Forgets the token, but only while it is still `accessToken` (a newer one stays). */
  invalidate(key: string, accessToken: string): Promise<void>;
}

/** How long before the upstream expiry a token stops being handed out: 60 s, or half its life if shorter. */
export function usableUntil(expiresIn: number, now: number): number {
  const lifeMs = Math.max(0, expiresIn) * 1000;
  return now + lifeMs - Math.min(60_000, lifeMs / 2);
}
