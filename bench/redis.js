'use strict';
// The Redis rows' servers: a throwaway redis-server on a free 127.0.0.1 port,
// and a 3-master Redis Cluster on free 127.0.0.1 ports (bus ports +10000 free
// too), no persistence, temp dirs, started and stopped by the bench (tracked
// like every other child). And a minimal RESP client for the orchestrator's
// one question, `INFO commandstats` (for the cluster: on every master,
// summed), so counting what the contestant sent needs no Redis client library
// and sends nothing but INFO (left out of the counts).
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const processes = require('./processes');

const REDIS_BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p)) || null;
// redis-cli next to it (Debian's redis-tools, a dependency of redis-server): `--cluster create`.
const REDIS_CLI = REDIS_BIN && [path.join(path.dirname(REDIS_BIN), 'redis-cli')].find((p) => fs.existsSync(p)) || null;
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
// `port` may be a list (the cluster's masters): the counts are summed.
async function commandCounts(port) {
  if (Array.isArray(port)) return (await Promise.all(port.map((p) => commandCounts(p)))).reduce(addCounts, {});
  const text = await command(port, ['INFO', 'commandstats']);
  const counts = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== 'info') counts[m[1]] = Number(m[2]);
  }
  return counts;
}

// Per-port counts once they have stopped moving: read again every quietMs
// until two reads in a row agree (bounded by maxMs). A login's last command,
// RedisDeduplicator's SET of the outcome, is sent without waiting for it, so
// it can reach Redis after the driver has the login's answer; read at once,
// the batch's count would miss it (and the next batch would get it).
async function settledCounts(ports, { quietMs = 50, maxMs = 2000 } = {}) {
  const read = () => Promise.all(ports.map((p) => commandCounts(p)));
  const deadline = Date.now() + maxMs;
  let last = await read();
  for (;;) {
    await sleep(quietMs);
    const now = await read();
    if (JSON.stringify(now) === JSON.stringify(last) || Date.now() > deadline) return now;
    last = now;
  }
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// A free port whose cluster bus port (port + 10000) is free too.
async function clusterPort() {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (port + 10000 <= 65535 && await isFree(port + 10000)) return port;
  }
  throw new Error('no free port pair (port, port + 10000) for a Redis Cluster node on 127.0.0.1');
}

// One redis-server on 127.0.0.1:port in a temp dir of its own, tracked (and,
// with setpriv, SIGTERMed by the kernel if the bench dies); resolves once it
// answers PING (bounded).
// Temp dirs of servers still running; removed on any exit of the bench too
// (the safety net's SIGKILL of every child ends in process.exit).
const liveDirs = new Set();
process.on('exit', () => { for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true }); });

async function spawnServer({ port, logFile, label, extraArgs = [] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  liveDirs.add(dir);
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', ...extraArgs];
  const child = SETPRIV
    ? processes.spawnTracked(SETPRIV, ['--pdeathsig', 'SIGTERM', '--', REDIS_BIN, ...args], { logFile })
    : processes.spawnTracked(REDIS_BIN, args, { logFile });
  const stop = async () => {
    await processes.stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      if ((await command(port, ['PING'], 1000)) === 'PONG') break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${label} did not start on 127.0.0.1:${port} (log ${logFile})`);
    }
    await sleep(50);
  }
  return { port, child, stop };
}

async function startRedis({ logFile }) {
  if (!REDIS_BIN) return null;
  const { port, child, stop } = await spawnServer({ port: await freePort(), logFile, label: 'redis-server' });
  return { port, url: `redis://127.0.0.1:${port}`, child, stop };
}

// `redis-cli args…` with a deadline; resolves with its stdout.
function redisCli(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI, args, { timeout: timeoutMs, env: processes.cleanEnv({}) }, (err, stdout, stderr) =>
      (err ? reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve(stdout)));
  });
}

// A Redis Cluster of `masters` masters and no replicas on 127.0.0.1 (made
// with `redis-cli --cluster create`), ready when every node reports
// cluster_state:ok. Every wait is bounded; on any failure every node already
// started is stopped and its dir removed. `ports` are the masters, for
// commandCounts.
async function startRedisCluster({ masters = 3, logDir }) {
  if (!REDIS_BIN || !REDIS_CLI) return null;
  const nodes = [];
  const stop = async () => { await Promise.all(nodes.map((n) => n.stop())); };
  try {
    const ports = [];
    while (ports.length < masters) {
      const port = await clusterPort();
      if (!ports.includes(port)) ports.push(port);
    }
    const started = await Promise.allSettled(ports.map((port) => spawnServer({
      port,
      logFile: path.join(logDir, `redis-cluster-${port}.log`),
      label: 'redis-server (cluster node)',
      extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
    })));
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    await redisCli(['-h', '127.0.0.1', '-p', String(ports[0]), '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], 20000);
    const deadline = Date.now() + 15000;
    for (const port of ports) {
      for (;;) {
        const info = await command(port, ['CLUSTER', 'INFO'], 1000).catch(() => '');
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`Redis Cluster node 127.0.0.1:${port}: no cluster_state:ok within 15 s (logs ${logDir}/redis-cluster-*.log)`);
        await sleep(100);
      }
    }
    return { ports, rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

module.exports = { REDIS_BIN, REDIS_CLI, startRedis, startRedisCluster, commandCounts, settledCounts, diffCounts, addCounts };
