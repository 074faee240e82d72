import type { WeChatHttpClient } from '../transport/http.js';
import { parseProfile } from './profile.js';
import type { WeChatLang, WeChatProfile, WeChatProfileClient, WeChatTokenResponse, WeChatUserInfo } from './types.js';

export const USERINFO_PATH = '/sns/userinfo';

/** The app a profile belongs to. */
export interface ProfileSource<C extends WeChatProfileClient> {
  appID: string;
  client: C;
}

/**
 * `/sns/userinfo` for a user's token (snsapi_userinfo or snsapi_login). It
 * needs the openid, which only the token response has. The token response
 * of the same login, when there is one, adds scope, unionid and the snapshot flag.
 */
export async function fetchUserInfo<C extends WeChatProfileClient>(
  http: WeChatHttpClient,
  source: ProfileSource<C>,
  token: Pick<WeChatTokenResponse, 'access_token' | 'openid'> & Partial<WeChatTokenResponse>,
  lang: WeChatLang,
): Promise<WeChatProfile<C>> {
  // A 200 without an openid is not a profile: the client fails over on it, as on a garbled body.
  const { json, raw } = await http.get<WeChatUserInfo>(
    USERINFO_PATH,
    { access_token: token.access_token, openid: token.openid, lang },
    { requires: 'openid' },
  );
  return parseProfile(json, {
    ...source,
    raw,
    token: token.scope === undefined ? undefined : (token as WeChatTokenResponse),
  });
}

/** The profile a token response alone gives (snsapi_base, or `skipUserProfile`): ids, no tokens in `_json`. */
export function profileFromToken<C extends WeChatProfileClient>(
  source: ProfileSource<C>,
  token: WeChatTokenResponse,
): WeChatProfile<C> {
  const { access_token: _a, refresh_token: _r, ...publicFields } = token;
  return parseProfile(publicFields as WeChatTokenResponse, { ...source, token });
}
