import type { Request } from 'express';
import type { VerifyCallback } from '../shared/types.js';
import type { WeChatProfileClient, WeChatProfile, WeChatTokenResponse } from './types.js';

/** What verify gets from one `/sns` login: the user's tokens, the token response and the profile. */
export interface SnsLogin<C extends WeChatProfileClient = WeChatProfileClient> {
  accessToken: string;
  refreshToken: string;
  params: WeChatTokenResponse;
  profile: WeChatProfile<C>;
}

/**
 * Calls a passport-oauth2-style verify in the form it was written:
 * `(req?, accessToken, refreshToken, params?, profile, done)`, told apart by
 * arity as passport-oauth2's strategy.js does.
 */
export function callSnsVerify(
  verify: (...args: never[]) => void,
  passReqToCallback: boolean,
  req: Request,
  login: SnsLogin,
  done: VerifyCallback,
): void {
  const call = verify as (...args: unknown[]) => void;
  const withParams = call.length === (passReqToCallback ? 6 : 5);
  const args: unknown[] = [
    login.accessToken,
    login.refreshToken,
    ...(withParams ? [login.params] : []),
    login.profile,
    done,
  ];
  call(...(passReqToCallback ? [req, ...args] : args));
}

/** The default verify: the profile is the user. */
export function profileAsUser(
  _accessToken: string,
  _refreshToken: string,
  profile: object,
  done: VerifyCallback,
): void {
  done(null, profile as Express.User);
}
