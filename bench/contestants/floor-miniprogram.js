'use strict';
// The Mini Program floor: a hand-written POST /login that reads the JSON
// body's `code` (what `wx.login` gave the Mini Program) and makes the same
// call as WeChatMiniProgramStrategy, `GET /sns/jscode2session`, with Node's
// own https and one keep-alive agent (floor-routes.js's getJSON), then answers
// 200 ok. No Passport, no session (the strategy runs with session: false),
// no session_key store.
const path = require('node:path');
const { start, ok } = require('./app');
const { getJSON } = require('./floor-routes');

const express = require(require.resolve('express', { paths: [path.resolve(__dirname, '..', '..')] }));
const q = encodeURIComponent;

start({ usePassport: false }, ({ app, appID, appSecret }) => {
  app.post('/login', express.json(), (req, res, next) => {
    const code = req.body && req.body.code;
    if (typeof code !== 'string' || code === '') return res.status(400).type('text').send('no code');
    getJSON('https://api.weixin.qq.com/sns/jscode2session'
      + `?appid=${q(appID)}&secret=${q(appSecret)}&js_code=${q(code)}&grant_type=authorization_code`, (err, session) => {
      if (err) return next(err);
      if (!session.openid) return next(new Error('jscode2session: no openid'));
      ok(res);
    });
  });
});
