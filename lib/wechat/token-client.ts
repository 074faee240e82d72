import type { oauth2tokenCallback } from 'oauth';
import type { WeChatFailureInfo } from '../shared/types.js';
import type { WeChatOAuth2 } from '../sns/oauth2.js';
import type { WeChatClient, WeChatProfile, WeChatTokenResponse } from '../sns/types.js';
import type { SnsLogin } from '../sns/verify.js';

/** Where one request's token response and profile live between the steps of its login. */
export interface LoginFlow {
  client: WeChatClient;
  token?: WeChatTokenResponse;
  profile?: WeChatProfile;
}

/** What a duplicate served by another instance needs to run verify itself, once the login has both. */
export function replayableLogin(flow: LoginFlow): SnsLogin | undefined {
  const { token, profile } = flow;
  return token && profile
    ? { accessToken: token.access_token, refreshToken: token.refresh_token, params: token, profile }
    : undefined;
}

/** What one login's token exchange reports besides its result. */
export interface TokenObserver {
  snapshotUsers: 'fail' | 'allow';
  /** The token response, kept on the request's own flow record (userinfo needs its openid). */
  record(token: WeChatTokenResponse): void;
  /** Ends the login before verify. */
  fail(challenge: WeChatFailureInfo, status: number): void;
}

/**
 * A per-request view of the app's OAuth2 client whose token exchange records
 * the token response for this request only, and stops snapshot-page users.
 */
export function requestTokenClient(oauth2: WeChatOAuth2, observer: TokenObserver): WeChatOAuth2 {
  const client = Object.create(oauth2) as WeChatOAuth2;
  client.getOAuthAccessToken = ((code: string, params: Record<string, unknown>, done: oauth2tokenCallback) => {
    oauth2.getOAuthAccessToken(code, params, (err, accessToken, refreshToken, result?: WeChatTokenResponse) => {
      if (!err && result) {
        // Snapshot-page users are virtual (wechat-protocol.md §3.4): stop
        // before verify, so no phantom account can be created from them.
        if (result.is_snapshotuser === 1 && observer.snapshotUsers === 'fail') {
          return observer.fail(
            {
              message: 'snapshot_user',
              detail:
                'WeChat opened this page in snapshot mode: the user must tap 使用完整服务 (use full service) to log in.',
            },
            403,
          );
        }
        observer.record(result);
      }
      done(err, accessToken, refreshToken, result);
    });
  }) as WeChatOAuth2['getOAuthAccessToken'];
  return client;
}
