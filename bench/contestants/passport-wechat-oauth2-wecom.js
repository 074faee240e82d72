'use strict';
// This package's WeComStrategy (企业微信, self-built app) in its documented
// default configuration but one setting: default URLs (qyapi.weixin.qq.com,
// open.weixin.qq.com), session-bound state, scope snsapi_base, members
// 'only'. `client: 'wecom'` (the in-client login) is set because the
// driver sends no WeCom User-Agent, so 'auto' would pick the browser login
// (login.work.weixin.qq.com). `profile` is 'ids' (default) or 'member', as
// the workload asks. The user stored is { userid, name } like the WeCom floor's.
const { start, ok } = require('./app');
const { requireSelf } = require('../self');

const { WeComStrategy } = requireSelf('passport-wechat-oauth2');

start({ usePassport: true }, ({ app, passport, callbackURL, wecom, profile }) => {
  const strategy = new WeComStrategy(
    { corpID: wecom.corpID, agentID: wecom.agentID, agentSecret: wecom.agentSecret, callbackURL, client: 'wecom', profile },
    (p, done) => done(null, { userid: p.userID, name: p.displayName }),
  );
  passport.use(strategy);
  app.get('/login', passport.authenticate(strategy.name));
  app.get('/callback', passport.authenticate(strategy.name), (req, res) => ok(res));
});
