// @ts-check
/* global fetch */
// A CommonJS JavaScript app: require() the package and its emulator, log in once, print the user.
'use strict';
const { once } = require('node:events');
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { Strategy: WeChatStrategy } = require('passport-wechat-oauth2');
const { createMockWeChat } = require('passport-wechat-oauth2/testing');

async function main() {
  const mock = await createMockWeChat();
  mock.setAutoConsent({ user: mock.users[0].key, decision: 'allow' });
  passport.use(
    new WeChatStrategy(
      {
        appID: mock.apps.mp.appID,
        appSecret: mock.apps.mp.appSecret,
        authorizationURL: mock.authorizationURL,
        apiBaseURL: mock.apiBaseURL,
        callbackURL: '/cb',
      },
      (_accessToken, _refreshToken, profile, done) => done(null, { openid: profile.openid, via: 'cjs-js' }),
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((/** @type {Express.User} */ user, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 'consumer-session-secret-0123456789abcdef', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.get('/login', passport.authenticate('wechat'));
  app.get('/cb', passport.authenticate('wechat'), (req, res) => {
    res.json({ user: req.user });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  let cookie = '';
  /** @param {string} url */
  const get = async (url) => {
    const res = await fetch(new URL(url, base), { redirect: 'manual', headers: { cookie } });
    const set = res.headers.getSetCookie();
    if (set.length > 0) cookie = set.map((c) => c.split(';')[0]).join('; ');
    return res;
  };
  const authorize = (await get('/login')).headers.get('location') ?? '';
  const back = (await get(authorize)).headers.get('location') ?? '';
  console.log(JSON.stringify(await (await get(back)).json()));
  server.close();
  await mock.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
