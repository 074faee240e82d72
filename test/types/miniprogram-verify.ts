/**
 * Compile-time checks (run by `npm run typecheck`, not jest): untyped arrows
 * as verify get their parameter types for the Mini Program and App strategies.
 */
import { WeChatAppStrategy, WeChatMiniProgramStrategy } from '../../lib';

const options = { appID: 'wx', appSecret: 's' };

new WeChatMiniProgramStrategy(options, (profile, done) => {
  const client: 'miniprogram' = profile.client;
  const unionid: string | undefined = profile.unionid;
  // @ts-expect-error the profile never carries the session_key
  void profile.session_key;
  done(null, { client, unionid });
});

new WeChatMiniProgramStrategy({ ...options, passReqToCallback: true }, (req, profile, done) => {
  done(null, { path: req.path, openid: profile.openid });
});

new WeChatAppStrategy(options, (accessToken, _refreshToken, profile, done) => {
  const client: 'app' = profile.client;
  done(null, { accessToken, client, name: profile.displayName });
});

new WeChatAppStrategy({ ...options, passReqToCallback: true }, (req, _accessToken, _refreshToken, profile, done) => {
  done(null, { path: req.path, openid: profile.openid });
});
