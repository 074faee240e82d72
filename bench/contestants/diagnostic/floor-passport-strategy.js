'use strict';
// Diagnostic contestant for bench/decompose.js (`--contestant=NAME=contestants/diagnostic/floor-passport-strategy.js`):
// the floor's routes and GETs (floor-routes.js) as the smallest Passport
// strategy there can be, run through passport.authenticate() like any
// strategy, logging the user in through Passport's success path. Its distance
// to floor + Passport is what passport.authenticate() costs a strategy; its
// distance to passport-wechat-oauth2 is what passport-oauth2, axios and this
// package cost on top.
const { Strategy } = require(require.resolve('passport-strategy', { paths: [require('node:path').resolve(__dirname, '..', '..', '..')] }));
const { start, ok } = require('../app');
const { mountFloorRoutes } = require('../floor-routes');

class FloorStrategy extends Strategy {
  constructor(route) {
    super();
    this.name = 'floor';
    this.route = route;
  }

  authenticate(req) {
    // The floor's own handler, with Passport's actions as its answers.
    const res = {
      status: () => ({ type: () => ({ send: () => this.fail(403) }) }),
      redirect: (status, url) => this.redirect(url, status),
    };
    this.route(req, res, (err) => this.error(err), (user) => this.success(user));
  }
}

start({ usePassport: true }, (ctx) => {
  // Capture the floor's two handlers instead of mounting them.
  const routes = {};
  mountFloorRoutes({ ...ctx, app: { get: (path, handler) => { routes[path] = handler; } } }, (req, res, next, user) => next.done(user));
  const strategy = (path) => new FloorStrategy((req, res, onError, onUser) => {
    const next = (err) => onError(err);
    next.done = onUser;
    routes[path](req, res, next);
  });
  ctx.passport.use('floor-login', strategy('/login'));
  ctx.passport.use('floor-callback', strategy('/callback'));
  ctx.app.get('/login', ctx.passport.authenticate('floor-login'));
  ctx.app.get('/callback', ctx.passport.authenticate('floor-callback'), (req, res) => ok(res));
});
