'use strict';
// The floor: what a login cannot cost less than in this app setup. Hand-written
// routes (floor-routes.js) that keep a random state in the session, make the
// same GETs as the strategies with Node's own https and one keep-alive agent,
// and store the user in the session. Nothing else.
const { start, ok } = require('./app');
const { mountFloorRoutes } = require('./floor-routes');

start({ usePassport: false }, (ctx) => {
  mountFloorRoutes(ctx, (req, res, next, user) => {
    req.session.user = user;
    ok(res);
  });
});
