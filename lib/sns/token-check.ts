import { INVALID_TOKEN_ERRCODES, WeChatAPIError } from '../transport/errors.js';
import type { WeChatHttpClient } from '../transport/http.js';

const AUTH_PATH = '/sns/auth';

/** `/sns/auth`: `true` if the user's token is valid for this openid, `false` if invalid or expired (wechat-protocol.md §3.2). */
export async function checkSnsAccessToken(
  http: WeChatHttpClient,
  accessToken: string,
  openid: string,
): Promise<boolean> {
  try {
    await http.get(AUTH_PATH, { access_token: accessToken, openid });
    return true;
  } catch (err) {
    if (err instanceof WeChatAPIError && INVALID_TOKEN_ERRCODES.has(err.errcode)) return false;
    throw err;
  }
}
