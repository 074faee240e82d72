'use strict';
// The WeCom floor: what a WeCom (企业微信) in-client login cannot cost less
// than in this app setup. Hand-written routes, no Passport: /login keeps a
// random state in the session and redirects to the in-client authorize URL
// (wecom-protocol.md §1.1); /callback checks the state and makes the same
// calls as WeComStrategy: `GET /cgi-bin/auth/getuserinfo` with the corp
// token (and, for profile 'member', `GET /cgi-bin/user/get`), with Node's own
// https and one keep-alive agent (floor-routes.js's getJSON). The corp token
// is fetched once (`GET /cgi-bin/gettoken`) and cached for its expires_in,
// concurrent callbacks waiting on the one fetch, as any sane hand-written
// app would; the floor does not refetch on 40014/42001 (the bench never
// expires tokens).
const crypto = require('node:crypto');
const { start } = require('./app');
const { getJSON } = require('./floor-routes');

const q = encodeURIComponent;
const API = 'https://qyapi.weixin.qq.com';

start({ usePassport: false }, ({ app, callbackURL, wecom, profile }) => {
  const { corpID, agentID, agentSecret } = wecom;
  let token = null; // { value, expiresAt }
  let waiting = null; // callbacks waiting for the one gettoken in flight
  function corpToken(callback) {
    if (token && Date.now() < token.expiresAt) return callback(null, token.value);
    if (waiting) return waiting.push(callback);
    waiting = [callback];
    getJSON(`${API}/cgi-bin/gettoken?corpid=${q(corpID)}&corpsecret=${q(agentSecret)}`, (err, data) => {
      const callbacks = waiting;
      waiting = null;
      if (!err) token = { value: data.access_token, expiresAt: Date.now() + (data.expires_in - 300) * 1000 };
      for (const cb of callbacks) cb(err, err ? undefined : token.value);
    });
  }

  app.get('/login', (req, res) => {
    const state = crypto.randomBytes(16).toString('hex');
    req.session.state = state;
    res.redirect(302, 'https://open.weixin.qq.com/connect/oauth2/authorize'
      + `?appid=${q(corpID)}&redirect_uri=${q(callbackURL)}&response_type=code`
      + `&scope=snsapi_base&state=${state}&agentid=${q(agentID)}#wechat_redirect`);
  });
  app.get('/callback', (req, res, next) => {
    const { code, state } = req.query;
    if (!code || !state || state !== req.session.state) return res.status(403).type('text').send('bad state');
    delete req.session.state;
    corpToken((err, accessToken) => {
      if (err) return next(err);
      getJSON(`${API}/cgi-bin/auth/getuserinfo?access_token=${q(accessToken)}&code=${q(code)}`, (err2, identity) => {
        if (err2) return next(err2);
        const userid = identity.userid;
        if (!userid) return res.status(403).type('text').send('not a member');
        const logIn = (name) => {
          req.session.user = { userid, name };
          res.status(200).type('text').send('ok');
        };
        if (profile !== 'member') return logIn(undefined);
        getJSON(`${API}/cgi-bin/user/get?access_token=${q(accessToken)}&userid=${q(userid)}`, (err3, member) => {
          if (err3) return next(err3);
          logIn(member.name);
        });
      });
    });
  });
});
