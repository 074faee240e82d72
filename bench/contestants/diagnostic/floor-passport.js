'use strict';
// Diagnostic contestant for bench/decompose.js, not part of the benchmark's
// table: the floor's routes and GETs (floor-routes.js), but in the Passport app
// setup (passport.initialize() + passport.session()) and logging the user in
// with Passport's req.login(), which regenerates the session. Its distance to
// the floor is what Passport itself costs; its distance to
// passport-wechat-oauth2 is what the strategy costs on top of Passport.
const { start, ok } = require('../app');
const { mountFloorRoutes } = require('../floor-routes');

start({ usePassport: true }, (ctx) => {
  mountFloorRoutes(ctx, (req, res, next, user) => {
    req.login(user, (err) => (err ? next(err) : ok(res)));
  });
});
