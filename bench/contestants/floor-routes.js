'use strict';
// The floor's routes: build the authorize URL with a random state kept in the
// session, check it on the callback, and make the same GETs as the strategies
// with Node's own https and one keep-alive agent, JSON.parse the answers and
// hand the user to `logIn`. Nothing else. Shared by floor.js and by the
// diagnostic floor-passport.js, which differ only in how the user is stored.
const crypto = require('node:crypto');
const https = require('node:https');

const agent = new https.Agent({ keepAlive: true });

function getJSON(url, callback) {
  https.get(url, { agent }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => { body += chunk; });
    res.on('end', () => {
      let data;
      try { data = JSON.parse(body); } catch (err) { return callback(err); }
      if (res.statusCode !== 200 || data.errcode) {
        return callback(new Error(`WeChat ${res.statusCode} ${data.errcode}: ${data.errmsg}`));
      }
      callback(null, data);
    });
    res.on('error', callback);
  }).on('error', callback);
}

// logIn(req, res, next, user) stores the user and answers.
function mountFloorRoutes({ app, callbackURL, appID, appSecret, scope }, logIn) {
  const q = encodeURIComponent;
  app.get('/login', (req, res) => {
    const state = crypto.randomBytes(16).toString('hex');
    req.session.state = state;
    res.redirect(302, 'https://open.weixin.qq.com/connect/oauth2/authorize'
      + `?appid=${q(appID)}&redirect_uri=${q(callbackURL)}&response_type=code`
      + `&scope=${q(scope)}&state=${state}#wechat_redirect`);
  });
  app.get('/callback', (req, res, next) => {
    const { code, state } = req.query;
    if (!code || !state || state !== req.session.state) return res.status(403).type('text').send('bad state');
    delete req.session.state;
    getJSON('https://api.weixin.qq.com/sns/oauth2/access_token'
      + `?appid=${q(appID)}&secret=${q(appSecret)}&code=${q(code)}&grant_type=authorization_code`, (err, token) => {
      if (err) return next(err);
      if (scope === 'snsapi_base') return logIn(req, res, next, { openid: token.openid, nickname: undefined });
      getJSON('https://api.weixin.qq.com/sns/userinfo'
        + `?access_token=${q(token.access_token)}&openid=${q(token.openid)}&lang=zh_CN`, (err2, info) => {
        if (err2) return next(err2);
        logIn(req, res, next, { openid: info.openid, nickname: info.nickname });
      });
    });
  });
}

module.exports = { mountFloorRoutes, getJSON };
