'use strict';
// Child process for `npm run bench -- --rtt=MS`: a TCP relay on 127.0.0.1
// between the contestants and the emulator that holds every chunk, in each
// direction, for MS/2 before passing it on. It works below TLS (bytes in,
// the same bytes out), so handshakes and records pass through unchanged and a
// new connection pays its TCP and TLS round trips like on a real network.
// Every inbound connection gets exactly one outbound connection, so the
// emulator's connection counters stay exact.
//
// The TCP handshake itself cannot be delayed from user space (the kernel
// completes it before the relay sees the connection), so the relay charges it
// the way it falls on a real network: a client's bytes cannot leave before its
// handshake would have completed, one RTT after it connected. So the first
// flight of a new connection (the TLS ClientHello) reaches the emulator 1.5
// RTT after connect(), as it would.
//
// Bounded: it listens and connects on 127.0.0.1 only, accepts at most
// maxConnections, pauses a sender while more than MAX_QUEUED bytes wait in one
// direction, and exits by itself when its parent goes away, when asked, or
// after lifetimeMs.
//
// Timers fire on whole milliseconds of the event loop's clock, so a hold of
// 2.5 ms asked of setTimeout comes out about a millisecond late. The relay
// corrects for that with a running offset: it fires each hold `offset` ms
// early, and nudges `offset` by how far each applied hold missed MS/2, so the
// mean hold is MS/2 (single holds still scatter by about ±0.5 ms). It reports
// the holds it applied, so the report can give the RTT the contestants had.
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const LOOPBACK = '127.0.0.1';
const MAX_QUEUED = 4 * 1024 * 1024;
const HOLD_SAMPLES = 20000;

const cfg = JSON.parse(process.env.BENCH_RELAY || '{}');
const delayMs = Number(cfg.rtt) / 2;
const maxConnections = cfg.maxConnections || 2048;
const lifetimeMs = cfg.lifetimeMs || 60 * 60 * 1000;

const stats = { connections: 0, refused: 0, bytes: 0, holds: [], holdCount: 0, holdSum: 0 };
let offset = 0; // ms: how much earlier than due a hold is released (see above)
const MAX_OFFSET = Math.min(delayMs, 2);

function recordHold(ms) {
  offset = Math.min(MAX_OFFSET, Math.max(0, offset + (ms - delayMs) * 0.05));
  stats.holdCount++;
  stats.holdSum += ms;
  // Reservoir-free: keep the first HOLD_SAMPLES after each reset (the report reads one phase at a time).
  if (stats.holds.length < HOLD_SAMPLES) stats.holds.push(ms);
}

// Passes src's bytes to dst delayMs after they arrived (or after notBefore,
// if later), in order, ending dst after the same delay.
function delayedPipe(src, dst, notBefore = 0) {
  const queue = [];
  let queued = 0;
  let timer = null;

  function flush() {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0].due - offset <= now + 0.01) {
      const item = queue.shift();
      recordHold(now - item.at);
      if (item.end) { dst.end(); continue; }
      queued -= item.chunk.length;
      if (!dst.destroyed) dst.write(item.chunk);
    }
    if (src.isPaused() && queued < MAX_QUEUED / 2) src.resume();
    arm();
  }

  function arm() {
    if (timer || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, queue[0].due - offset - performance.now()));
  }

  src.on('data', (chunk) => {
    const at = performance.now();
    queue.push({ at: Math.max(at, notBefore), due: Math.max(at, notBefore) + delayMs, chunk });
    queued += chunk.length;
    stats.bytes += chunk.length;
    if (queued > MAX_QUEUED) src.pause();
    arm();
  });
  let ended = false;
  src.on('end', () => {
    ended = true;
    const at = performance.now();
    queue.push({ at, due: at + delayMs, end: true });
    arm();
  });
  // A close without an orderly end (reset, destroy) reaches the other side after the same delay.
  src.on('close', () => {
    if (ended) return;
    const later = () => { if (queue.length === 0 || dst.destroyed) dst.destroy(); else setTimeout(later, delayMs); };
    setTimeout(later, delayMs);
  });
}

let open = 0;
// allowHalfOpen: one side's FIN is passed on (delayed), not answered by closing the other direction at once.
const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
  if (open >= maxConnections) {
    stats.refused++;
    client.destroy();
    return;
  }
  open++;
  stats.connections++;
  const upstream = net.connect({ host: LOOPBACK, port: cfg.targetPort, noDelay: true, allowHalfOpen: true });
  for (const s of [client, upstream]) s.on('error', () => { client.destroy(); upstream.destroy(); });
  client.once('close', () => { open--; });
  delayedPipe(client, upstream, performance.now() + 2 * delayMs); // the TCP handshake's round trip (see above)
  delayedPipe(upstream, client);
});

function snapshot() {
  const holds = Float64Array.from(stats.holds).sort();
  const at = (p) => (holds.length ? holds[Math.min(holds.length - 1, Math.floor((p / 100) * holds.length))] : null);
  return {
    connections: stats.connections,
    refused: stats.refused,
    bytes: stats.bytes,
    holds: stats.holdCount,
    holdMeanMs: stats.holdCount ? stats.holdSum / stats.holdCount : null,
    holdP50Ms: at(50),
    holdP99Ms: at(99),
  };
}

function resetHolds() {
  stats.connections = 0;
  stats.refused = 0;
  stats.bytes = 0;
  stats.holds = [];
  stats.holdCount = 0;
  stats.holdSum = 0;
}

process.on('message', (msg) => {
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'stats') process.send({ type: 'stats', id: msg.id, stats: snapshot() });
  else if (msg.type === 'reset') { resetHolds(); process.send({ type: 'reset', id: msg.id }); }
  else if (msg.type === 'close') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
setTimeout(() => { console.error(`[relay] lifetime of ${lifetimeMs} ms reached: exiting`); process.exit(0); }, lifetimeMs).unref();

if (!(delayMs >= 0) || !Number.isInteger(cfg.targetPort) || !Number.isInteger(cfg.listenPort)) {
  console.error(`[relay] bad BENCH_RELAY: ${process.env.BENCH_RELAY}`);
  process.exit(2);
}
server.on('error', (err) => {
  if (process.send) process.send({ type: 'error', message: `relay cannot listen on ${LOOPBACK}:${cfg.listenPort}: ${err.message}` });
  process.exit(1);
});
server.listen(cfg.listenPort, LOOPBACK, () => {
  if (process.send) process.send({ type: 'ready', port: server.address().port });
  else console.log(`relay ${LOOPBACK}:${server.address().port} -> ${LOOPBACK}:${cfg.targetPort}, ${delayMs} ms each way`);
});
