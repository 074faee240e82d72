'use strict';
// passport-wechat 2.0.4 as its README configures it: client 'wechat' (the
// Official Account authorize URL), a fixed `state` (it never checks it), the
// default in-memory token store of the wechat-oauth client it wraps, and its
// default URLs. Its README shows a 4-argument verify callback, but its source
// calls verify(accessToken, refreshToken, profile, expires_in, done), so the
// callback takes 5 arguments. With snsapi_base it skips userinfo by itself.
const { start, ok } = require('./app');
const WechatStrategy = require('passport-wechat');

start({ usePassport: true }, ({ app, passport, callbackURL, appID, appSecret, scope }) => {
  passport.use(new WechatStrategy(
    { appID, appSecret, client: 'wechat', callbackURL, scope, state: 'STATE' },
    (accessToken, refreshToken, profile, expiresIn, done) =>
      done(null, { openid: profile.openid, nickname: profile.nickname }),
  ));
  app.get('/login', passport.authenticate('wechat'));
  app.get('/callback', passport.authenticate('wechat'), (req, res) => ok(res));
});
