/**
 * Compile-time checks (run by `npm run typecheck`, not jest): an untyped
 * arrow function as verify gets its parameter types under `strict`.
 */
import type { Request } from 'express';
import {
  Strategy as WeChatStrategy,
  type WeChatProfile,
  type WeChatTokenResponse,
  type VerifyCallback,
} from '../../lib';

const options = { appID: 'wx', appSecret: 's', callbackURL: '/cb' };

// 4 arguments: accessToken, refreshToken, profile, done are all typed.
new WeChatStrategy(options, (accessToken, refreshToken, profile, done) => {
  const a: string = accessToken;
  const r: string = refreshToken;
  const openid: string = profile.openid;
  const unionid: string | undefined = profile.unionid;
  done(null, { a, r, openid, unionid });
});

// passReqToCallback: req is an express Request.
new WeChatStrategy({ ...options, passReqToCallback: true }, (req, accessToken, _refreshToken, profile, done) => {
  const path: string = req.path;
  done(null, { path, accessToken, id: profile.id });
});

// The `params` forms need annotations (see the overload note in lib/strategy.ts).
new WeChatStrategy(
  options,
  (_a: string, _r: string, params: WeChatTokenResponse, profile: WeChatProfile, done: VerifyCallback) => {
    done(null, { snapshot: params.is_snapshotuser === 1, id: profile.id });
  },
);
new WeChatStrategy(
  { ...options, passReqToCallback: true },
  (_req: Request, _a: string, _r: string, params: WeChatTokenResponse, _p: WeChatProfile, done: VerifyCallback) => {
    done(null, { scope: params.scope });
  },
);

// @ts-expect-error: profile is a WeChatProfile, which has no `emails`.
new WeChatStrategy(options, (_a, _r, profile, done) => done(null, { email: profile.emails }));

// @ts-expect-error: lang must be zh_CN, zh_TW or en (WeChat rejects zh-CN).
new WeChatStrategy({ ...options, lang: 'zh-CN' });
