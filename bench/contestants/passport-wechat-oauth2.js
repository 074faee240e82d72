'use strict';
// This package, in its documented default configuration: default URLs (no
// authorizationURL / apiBaseURL override), default client ('mp'), its
// session-bound state. Only appID, appSecret, callbackURL and scope are set.
const { start, ok } = require('./app');
const { requireSelf } = require('../self');

const { Strategy, LOGIN_CHANNEL, UPSTREAM_CHANNEL, STORE_ERROR_CHANNEL } = requireSelf('passport-wechat-oauth2');

// BENCH_DIAGNOSTICS=1 (decompose.js --diagnostics): a subscriber on every event
// of every diagnostics channel, doing what a metrics subscriber does (reading
// the fields it would label and observe).
if (process.env.BENCH_DIAGNOSTICS === '1') {
  const dc = require('node:diagnostics_channel');
  const seen = { logins: 0, upstream: 0, ms: 0 };
  const read = (c) => {
    seen.ms += c.durationMs || 0;
    return c.outcome || c.endpoint;
  };
  const all = (count) => ({ start: read, end: read, asyncStart: read, error: read, asyncEnd: (c) => (seen[count]++, read(c)) });
  dc.tracingChannel(LOGIN_CHANNEL).subscribe(all('logins'));
  dc.tracingChannel(UPSTREAM_CHANNEL).subscribe(all('upstream'));
  dc.subscribe(STORE_ERROR_CHANNEL, read);
}

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
