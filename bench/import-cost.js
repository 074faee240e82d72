'use strict';
// `node bench/import-cost.js <package>`: in this fresh process, time
// require(<package>) and report the process RSS before and after, as JSON.
// `passport-wechat-oauth2` resolves to this package through its "exports"
// (see self.js), the peers to bench/node_modules.
const name = process.argv[2];
const load = name === 'passport-wechat-oauth2' ? require('./self').requireSelf : require;
const rss0 = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
load(name);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const rss1 = process.memoryUsage().rss;
process.stdout.write(JSON.stringify({ name, ms, rssMB: rss1 / 1048576, rssDeltaMB: (rss1 - rss0) / 1048576 }) + '\n');
