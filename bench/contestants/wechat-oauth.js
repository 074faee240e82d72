'use strict';
// wechat-oauth 1.5.0 called directly from Express routes, as its README shows:
// new OAuth(appid, secret) with the default in-memory token store,
// getAuthorizeURL(redirect, state, scope) with a fixed state (it has no state
// check), getAccessToken(code) and, for snsapi_userinfo, getUser(openid).
const { start, ok } = require('./app');
const OAuth = require('wechat-oauth');

start({ usePassport: false }, ({ app, callbackURL, appID, appSecret, scope }) => {
  const client = new OAuth(appID, appSecret);
  app.get('/login', (req, res) => {
    res.redirect(client.getAuthorizeURL(callbackURL, 'STATE', scope));
  });
  app.get('/callback', (req, res, next) => {
    client.getAccessToken(req.query.code, (err, result) => {
      if (err) return next(err);
      const openid = result.data.openid;
      if (scope === 'snsapi_base') {
        req.session.user = { openid, nickname: undefined };
        return ok(res);
      }
      client.getUser(openid, (err2, info) => {
        if (err2) return next(err2);
        req.session.user = { openid, nickname: info.nickname };
        ok(res);
      });
    });
  });
});
