'use strict';
// The Redis row's server: a throwaway redis-server on a free 127.0.0.1 port,
// no persistence, started and stopped by the bench (tracked like every other
// child). And a minimal RESP client for the orchestrator's one question,
// `INFO commandstats`, so counting what the contestant sent needs no Redis
// client library and sends nothing but INFO (left out of the counts).
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const processes = require('./processes');

const REDIS_BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p)) || null;
// util-linux's setpriv (Debian: essential) makes the kernel send redis-server
// SIGTERM when the bench dies, even by SIGKILL, so it can never outlive the run.
const SETPRIV = fs.existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// One command over a fresh connection; resolves with the bulk-string reply.
function command(port, args, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`redis ${args[0]}: no answer in ${timeoutMs} ms`)); }, timeoutMs);
    const done = (err, value) => { clearTimeout(timer); socket.destroy(); if (err) reject(err); else resolve(value); };
    socket.once('error', (err) => done(err));
    socket.once('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (c) => {
      chunks.push(c);
      const buf = Buffer.concat(chunks);
      const head = buf.indexOf('\r\n');
      if (head < 0) return;
      const type = String.fromCharCode(buf[0]);
      if (type === '+') return done(null, buf.subarray(1, head).toString());
      if (type === '-') return done(new Error(`redis ${args[0]}: ${buf.subarray(1, head)}`));
      if (type !== '$') return done(new Error(`redis ${args[0]}: unexpected reply type ${type}`));
      const len = Number(buf.subarray(1, head).toString());
      if (buf.length >= head + 2 + len) done(null, buf.subarray(head + 2, head + 2 + len).toString());
    });
  });
}

// { set: 1234, get: 5, ... } from INFO commandstats, without INFO itself.
async function commandCounts(port) {
  const text = await command(port, ['INFO', 'commandstats']);
  const counts = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== 'info') counts[m[1]] = Number(m[2]);
  }
  return counts;
}

function diffCounts(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] || 0);
    if (d) out[k] = d;
  }
  return out;
}

function addCounts(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] || 0) + v;
  return out;
}

async function startRedis({ logFile }) {
  if (!REDIS_BIN) return null;
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'];
  const child = SETPRIV
    ? processes.spawnTracked(SETPRIV, ['--pdeathsig', 'SIGTERM', '--', REDIS_BIN, ...args], { logFile })
    : processes.spawnTracked(REDIS_BIN, args, { logFile });
  const stop = async () => {
    await processes.stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      if ((await command(port, ['PING'], 1000)) === 'PONG') break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on 127.0.0.1:${port} (log ${logFile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, url: `redis://127.0.0.1:${port}`, child, stop };
}

module.exports = { REDIS_BIN, startRedis, commandCounts, diffCounts, addCounts };
