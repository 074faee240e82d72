'use strict';
// The one app setup every contestant runs in: Express, express-session with
// its MemoryStore and the same secret and cookie, and (where the contestant
// is a Passport strategy) passport.initialize() + passport.session(). Each
// contestant only adds its /login and /callback routes; on success each
// stores the same user { openid, nickname } in the session and answers 200
// "ok". Express, express-session and passport come from the repository's
// root node_modules (bench/node_modules holds an old passport that
// passport-wechat drags in; it is never used).
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const fromRoot = (name) => require(require.resolve(name, { paths: [ROOT] }));
const express = fromRoot('express');
const session = fromRoot('express-session');

const SESSION = {
  name: 'sid',
  secret: 'bench-session-secret-0123456789abcdef',
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax', secure: false, path: '/' },
};

function config() {
  const raw = process.env.BENCH_CONTESTANT;
  if (!raw) throw new Error('BENCH_CONTESTANT is not set (contestants are started by bench/run.js)');
  return JSON.parse(raw); // { appID, appSecret, scope }
}

// mount({ app, passport, callbackURL, appID, appSecret, scope }) adds the routes.
function start({ usePassport }, mount) {
  const cfg = config();
  const app = express();
  app.disable('x-powered-by');
  const store = new session.MemoryStore();
  app.use(session({ ...SESSION, store }));
  let passport = null;
  if (usePassport) {
    passport = fromRoot('passport');
    passport.serializeUser((user, done) => done(null, user));
    passport.deserializeUser((user, done) => done(null, user));
    app.use(passport.initialize());
    app.use(passport.session());
  }

  // Bench-only helpers, used by the memory soak: empty the session store (so
  // the sessions the soak leaves behind do not count as the strategy's
  // memory) and report memory after a full GC.
  app.post('/__bench/clear-sessions', (req, res, next) => {
    store.clear((err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.get('/__bench/mem', (req, res) => {
    if (typeof globalThis.gc === 'function') { globalThis.gc(); globalThis.gc(); }
    res.json({ memory: process.memoryUsage(), maxRSS: process.resourceUsage().maxRSS });
  });

  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    const callbackURL = `http://127.0.0.1:${port}/callback`;
    mount({ app, passport, callbackURL, ...cfg });
    // Four parameters make it Express's error handler, even with the last unused.
    app.use((err, req, res, _next) => {
      console.error(`[contestant] ${req.method} ${req.url}: ${err && err.stack ? err.stack : err}`);
      res.status(500).type('text').send(`error: ${err && err.message}`);
    });
    if (process.send) process.send({ type: 'ready', port });
    else console.log(`listening on ${callbackURL}`);
  });
  // The driver keeps its connections to the app open between its untimed
  // preparation batch and the timed batch; keep them longer than Node's 5 s.
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  process.on('disconnect', () => process.exit(0));
  // The orchestrator reads this process's CPU time around each timed batch.
  process.on('message', (msg) => {
    if (msg && msg.type === 'cpu') process.send({ type: 'cpu', id: msg.id, cpu: process.cpuUsage() });
  });
  // Exit normally on SIGTERM so that --cpu-prof (bench --profile) writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  return server;
}

function ok(res) {
  res.status(200).type('text').send('ok');
}

module.exports = { start, ok };
