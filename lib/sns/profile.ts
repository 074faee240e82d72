import type {
  WeChatClient,
  WeChatProfileClient,
  WeChatProfile,
  WeChatTokenResponse,
  WeChatUserInfo,
} from '../sns/types.js';

/** What the profile needs besides the response body. */
export interface ParseProfileContext<C extends WeChatProfileClient = WeChatClient> {
  /** The appid that issued the openid. */
  appID: string;
  client: C;
  /** The token response of the same login: source of `scope`, `is_snapshotuser` and a fallback `unionid`. */
  token?: Pick<WeChatTokenResponse, 'scope' | 'unionid' | 'is_snapshotuser' | 'openid'>;
  /** The text an already-parsed `body` came from, kept as `_raw` (saves parsing it twice). */
  raw?: string;
}

/**
 * Build a Passport profile from a `/sns/userinfo` body, or from the token
 * response itself (snsapi_base, or `skipUserProfile`).
 *
 * Pure: no I/O, no clock. It refuses anything carrying an `errcode` or lacking
 * an `openid`, so a WeChat error can never become a "user" with id
 * `"undefined"` (ik0r/passport-weixin#2, user-needs.md §3.4, §3.8).
 *
 * - `id` is the openid: it always exists. `unionid` is exposed separately, and
 *   only when WeChat sent a non-empty one (it comes with Open Platform binding,
 *   and for mp only with snsapi_userinfo, wechat-protocol.md §7).
 * - `gender` only for sex 1/2: WeChat answers 0 for everyone since 2021-10-20 (§3.3).
 * - No `emails`: WeChat has none, and inventing one breaks apps (user-needs.md §3.13).
 */
export function parseProfile<C extends WeChatProfileClient = WeChatClient>(
  body: string | WeChatUserInfo | WeChatTokenResponse,
  context: ParseProfileContext<C>,
): WeChatProfile<C> {
  const raw = typeof body === 'string' ? body : (context.raw ?? JSON.stringify(body));
  const json: unknown = typeof body === 'string' ? JSON.parse(body) : body;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TypeError('parseProfile: expected a WeChat JSON object');
  }
  const fields = json as Record<string, unknown>;
  if (typeof fields.errcode === 'number' && fields.errcode !== 0) {
    throw new TypeError(`parseProfile: the body is a WeChat error (errcode ${fields.errcode}), not a profile`);
  }
  const openid = nonEmptyString(fields.openid);
  if (!openid) throw new TypeError('parseProfile: the body has no openid');

  const token = context.token;
  const profile: WeChatProfile<C> = {
    provider: 'wechat',
    id: openid,
    openid,
    appID: context.appID,
    client: context.client,
    scope: nonEmptyString(token?.scope) ?? nonEmptyString(fields.scope) ?? '',
    displayName: nonEmptyString(fields.nickname) ?? '',
    isSnapshotUser: token?.is_snapshotuser === 1 || fields.is_snapshotuser === 1,
    _raw: raw,
    _json: json as WeChatUserInfo | WeChatTokenResponse,
  };
  const unionid = nonEmptyString(fields.unionid) ?? nonEmptyString(token?.unionid);
  if (unionid) profile.unionid = unionid;
  const photo = nonEmptyString(fields.headimgurl);
  if (photo) profile.photos = [{ value: photo }];
  if (fields.sex === 1) profile.gender = 'male';
  else if (fields.sex === 2) profile.gender = 'female';
  return profile;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
