'use strict';
// This package's WeChatMiniProgramStrategy in its documented default
// configuration (default URLs, in-memory session_key store and duplicate
// memory): POST /login with express.json() and
// passport.authenticate(name, { session: false }), as the README shows.
// The user is { openid }; the route answers 200 ok like the floor's.
const path = require('node:path');
const { start, ok } = require('./app');
const { requireSelf } = require('../self');

const { WeChatMiniProgramStrategy } = requireSelf('passport-wechat-oauth2');
const express = require(require.resolve('express', { paths: [path.resolve(__dirname, '..', '..')] }));

start({ usePassport: true }, ({ app, passport, appID, appSecret }) => {
  const strategy = new WeChatMiniProgramStrategy({ appID, appSecret }, (profile, done) => done(null, { openid: profile.openid }));
  passport.use(strategy);
  app.post('/login', express.json(), passport.authenticate(strategy.name, { session: false }), (req, res) => ok(res));
});
