'use strict';
// This package with its Redis coordination, as the example app wires it for
// several instances: states claimed in Redis (SessionStateStore with a
// RedisSeenStore) and duplicate callbacks coordinated through Redis
// (RedisDeduplicator), over one node-redis client, against the bench's
// throwaway redis-server (`redisURL`: the Redis row) or its throwaway 3-master
// Redis Cluster (`redisCluster`, the masters' URLs: the Redis Cluster row,
// one node-redis createCluster client). Everything else as in
// passport-wechat-oauth2.js (sessions stay in the shared app setup's
// MemoryStore, so the row's difference is the coordination alone).
const path = require('node:path');
const { start, ok } = require('./app');
const { requireSelf } = require('../self');

const { Strategy, SessionStateStore } = requireSelf('passport-wechat-oauth2');
const { RedisDeduplicator, RedisSeenStore } = requireSelf('passport-wechat-oauth2/redis');
const { createClient, createCluster } = require(require.resolve('redis', { paths: [path.resolve(__dirname, '..', '..')] }));

const { redisURL, redisCluster } = JSON.parse(process.env.BENCH_CONTESTANT || '{}');
if (!redisURL && !redisCluster) throw new Error('BENCH_CONTESTANT has no redisURL or redisCluster (the Redis contestant is started by bench/run.js with a redis-server or a Redis Cluster)');
const client = redisCluster
  ? createCluster({ rootNodes: redisCluster.map((url) => ({ url })) })
  : createClient({ url: redisURL });
const target = redisCluster ? `the Redis Cluster at ${redisCluster.join(', ')}` : redisURL;
client.on('error', (err) => console.error(`[contestant] redis: ${err && err.message}`));

client.connect().then(() => {
  start({ usePassport: true }, ({ app, passport, callbackURL, appID, appSecret, scope }) => {
    const strategy = new Strategy(
      {
        appID,
        appSecret,
        callbackURL,
        scope,
        store: new SessionStateStore({ seen: new RedisSeenStore(client, { prefix: 'bench:' }) }),
        deduplicator: new RedisDeduplicator(client, { prefix: 'bench:', secret: 'bench-dedupe-secret-0123456789abcdef0123' }),
      },
      (accessToken, refreshToken, profile, done) =>
        done(null, { openid: profile.openid, nickname: profile.displayName }),
    );
    passport.use(strategy);
    app.get('/login', passport.authenticate(strategy.name));
    app.get('/callback', passport.authenticate(strategy.name), (req, res) => ok(res));
  });
}, (err) => {
  console.error(`[contestant] cannot connect to ${target}: ${err && err.message}`);
  process.exit(1);
});
