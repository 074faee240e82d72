'use strict';
// Child process: runs the package's WeChat emulator with TLS on
// 127.0.0.1:443 (the contestants reach it by the real host names through
// preload-hosts.js), in a process of its own so its CPU and memory stay out
// of the contestants' figures.
//
// It also counts, for the orchestrator, what reaches it: TCP connections, TLS
// handshakes (by SNI name, and how many were session resumptions) and HTTP
// requests by host and path. It does so by observing the events of every TLS
// server in this process (an https.Server is a tls.Server), which changes
// nothing in how the emulator answers. The orchestrator asks for the counters
// over IPC, so asking does not itself show up in them. The snapshot also
// carries the emulator's own `wecomGettoken` counter (what GET /__mock/stats
// reports: gettoken calls per WeCom agent), read in-process so that reading
// it is not itself a counted request.
const fs = require('node:fs');
const tls = require('node:tls');

const counters = { connections: 0, handshakes: 0, resumed: 0, handshakesBySni: {}, requests: {} };

const originalEmit = tls.Server.prototype.emit;
tls.Server.prototype.emit = function countingEmit(event, ...args) {
  if (event === 'connection') {
    counters.connections++;
  } else if (event === 'secureConnection') {
    const socket = args[0];
    counters.handshakes++;
    if (socket && typeof socket.isSessionReused === 'function' && socket.isSessionReused()) counters.resumed++;
    const sni = (socket && socket.servername) || '(none)';
    counters.handshakesBySni[sni] = (counters.handshakesBySni[sni] || 0) + 1;
  } else if (event === 'request') {
    const req = args[0];
    const host = String(req.headers.host || '').split(':')[0];
    const key = `${host}${String(req.url).split('?')[0]}`;
    counters.requests[key] = (counters.requests[key] || 0) + 1;
  }
  return originalEmit.call(this, event, ...args);
};

let mock = null;

function snapshot() {
  const cpu = process.cpuUsage();
  const wecomGettoken = mock ? { ...mock.stats().wecomGettoken } : {};
  return { ...JSON.parse(JSON.stringify(counters)), wecomGettoken, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function main() {
  const { keyFile, certFile, port = 443, host = '127.0.0.1' } = JSON.parse(process.env.BENCH_EMULATOR || '{}');
  const { createMockWeChat } = require('./self').requireSelf('passport-wechat-oauth2/testing');
  mock = await createMockWeChat({
    port,
    host,
    tls: { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
    // The Mini Program row redeems thousands of codes of one user a minute;
    // WeChat's per-user quota (45011, default 100/min) would refuse them.
    miniProgramQuotaPerMinute: 1e9,
  });
  const user = mock.users[0];
  mock.setAutoConsent({ user: user.key, decision: 'allow' });
  // The WeCom row: the in-client page answers at once as the default member (张三).
  const wecomUser = mock.wecomUsers[0];
  mock.setWeComAutoConsent({ user: wecomUser.key, decision: 'allow' });

  process.on('message', async (msg) => {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'stats') {
      process.send({ type: 'stats', id: msg.id, stats: snapshot() });
    } else if (msg.type === 'close') {
      try { await mock.close(); } finally { process.exit(0); }
    }
  });
  process.on('disconnect', () => process.exit(0));

  process.send({
    type: 'ready',
    info: {
      url: mock.url,
      authorizationURL: mock.authorizationURL,
      apiBaseURL: mock.apiBaseURL,
      apps: mock.apps,
      user: { key: user.key, nickname: user.nickname, openid: mock.openidOf('mp', user.key) },
      wecomUser: { key: wecomUser.key, userid: wecomUser.userid },
    },
  });
}

main().catch((err) => {
  const message = err && err.stack ? err.stack : String(err);
  if (process.send) process.send({ type: 'error', message });
  else console.error(message);
  process.exit(1);
});
