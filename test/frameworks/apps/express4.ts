/**
 * Express 4 + express-session + passport: the session state store on
 * `/login`, SignedStateStore without a session (`session: false`) on
 * `/signed/login`.
 */
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as WeChatStrategy } from 'passport-wechat-oauth2';
import { announce, SESSION_SECRET, signedStore, verifyAs } from './shared.js';

passport.use(new WeChatStrategy(verifyAs('express4')));
passport.use(
  new WeChatStrategy(
    {
      name: 'wechat-signed',
      appID: process.env.WECHAT_APP_ID,
      callbackURL: '/signed/auth/wechat/callback',
      store: signedStore(),
    },
    verifyAs('express4-signed'),
  ),
);
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: Express.User, done) => done(null, user));

const app = express();
app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false }));
app.use(passport.initialize());
app.use(passport.session());
app.get('/login', passport.authenticate('wechat'));
app.get('/auth/wechat/callback', passport.authenticate('wechat'), (req, res) => {
  res.json({ user: req.user });
});
app.get('/me', (req, res) => {
  res.json({ user: req.user ?? null });
});
app.get('/signed/login', passport.authenticate('wechat-signed', { session: false }));
app.get('/signed/auth/wechat/callback', passport.authenticate('wechat-signed', { session: false }), (req, res) => {
  res.json({ user: req.user });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  announce(typeof address === 'object' && address ? address.port : 0);
});
