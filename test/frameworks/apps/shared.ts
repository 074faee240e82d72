/**
 * What every framework app shares: the verify function (its user says it
 * ran), the SignedStateStore, and how an app tells the test its port.
 * Configuration comes from env, as the test (or a deployment) sets it:
 * WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_AUTHORIZATION_URL,
 * WECHAT_API_BASE_URL, WECHAT_CALLBACK_URL.
 */
import { SignedStateStore, type VerifyCallback, type WeChatProfile, type WeComProfile } from 'passport-wechat-oauth2';

export interface AppUser {
  openid: string;
  nickname: string;
  /** Which verify (or NestJS validate) made this user. */
  via: string;
}

export function userFrom(profile: WeChatProfile, via: string): AppUser {
  return { openid: profile.openid, nickname: profile.displayName, via };
}

/** A verify function whose users carry `via`. */
export function verifyAs(via: string) {
  return (_accessToken: string, _refreshToken: string, profile: WeChatProfile, done: VerifyCallback): void =>
    done(null, userFrom(profile, via));
}

export function signedStore(): SignedStateStore {
  return new SignedStateStore({ secret: 'framework-tests-state-secret-0123456789abcdef' });
}

/** Both session secrets the apps need (32+ characters). */
export const SESSION_SECRET = 'framework-tests-session-secret-0123456789abcdef';

/** Tells the parent test process where the app listens. */
export function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

/** What the WeCom apps keep of a login (WECOM_* env configures their strategies). */
export interface WeComAppUser {
  id: string;
  userID: string | undefined;
  name: string | undefined;
  via: string;
}

export function weComUserFrom(profile: WeComProfile, via: string): WeComAppUser {
  return { id: profile.id, userID: profile.userID, name: profile.displayName, via };
}
