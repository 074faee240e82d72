'use strict';
// This package, in its documented default configuration: default URLs (no
// authorizationURL / apiBaseURL override), default client ('mp'), its
// session-bound state. Only appID, appSecret, callbackURL and scope are set.
const { start, ok } = require('./app');
const { requireSelf } = require('../self');

const { Strategy } = requireSelf('passport-wechat-oauth2');

start({ usePassport: true }, ({ app, passport, callbackURL, appID, appSecret, scope }) => {
  const strategy = new Strategy(
    { appID, appSecret, callbackURL, scope },
    (accessToken, refreshToken, profile, done) =>
      done(null, { openid: profile.openid, nickname: profile.displayName }),
  );
  passport.use(strategy);
  app.get('/login', passport.authenticate(strategy.name));
  app.get('/callback', passport.authenticate(strategy.name), (req, res) => ok(res));
});
