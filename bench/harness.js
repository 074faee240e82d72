'use strict';
// What bench/run.js and bench/decompose.js share: the safety net that kills
// every child on exit, signal or timeout; the TLS emulator on 127.0.0.1:443;
// starting a contestant with the hosts preload and the bench CA; reading a
// child's CPU time.
const fs = require('node:fs');
const path = require('node:path');
const processes = require('./processes');
const { generateCerts } = require('./certs');

const BENCH = __dirname;
const TMP = path.join(BENCH, '.tmp');

// Every child is killed when this process exits, is interrupted, or runs past timeoutMs.
function installSafetyNet(tag, timeoutMs) {
  process.on('exit', () => processes.killAllNow());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { console.error(`[${tag}] ${sig}: stopping`); processes.killAllNow(); process.exit(130); });
  }
  const timer = setTimeout(() => {
    console.error(`[${tag}] FAILED: global timeout of ${timeoutMs / 1000} s reached; killing everything`);
    processes.killAllNow();
    process.exit(3);
  }, timeoutMs);
  timer.unref();
}

// Certificates made now, and the emulator serving HTTPS with them on
// 127.0.0.1:443 (or on `port`, behind the --rtt relay that then holds 443).
async function startTlsEmulator({ logName = 'emulator', port = 443 } = {}) {
  const certs = generateCerts(path.join(TMP, 'certs'));
  const { child, info } = await processes.startChild({
    script: path.join(BENCH, 'emulator.js'),
    cwd: BENCH,
    env: { BENCH_EMULATOR: JSON.stringify({ keyFile: certs.keyFile, certFile: certs.certFile, port, host: '127.0.0.1' }) },
    logFile: path.join(TMP, 'logs', `${logName}.log`),
    label: `WeChat emulator (127.0.0.1:${port})`,
  });
  return { certs, ca: fs.readFileSync(certs.caFile), child, info: info.info, port: Number(new URL(info.info.url).port) || 443 };
}

// A contestant app (bench/contestants/…) resolving *.weixin.qq.com to 127.0.0.1 and trusting the bench CA.
// `extra` joins the contestant's BENCH_CONTESTANT config (the Redis contestant's redisURL).
// `env` adds to its environment (decompose.js --variant: another BENCH_SELF_ROOT).
async function startContestant({ script, certs, app, scope, logName, label, nodeArgs = [], extra = {}, env = {} }) {
  const { child, info } = await processes.startChild({
    script: path.join(BENCH, script),
    nodeArgs: ['--require', path.join(BENCH, 'preload-hosts.js'), ...nodeArgs],
    cwd: BENCH,
    env: {
      NODE_EXTRA_CA_CERTS: certs.caFile,
      BENCH_CONTESTANT: JSON.stringify({ appID: app.appID, appSecret: app.appSecret, scope, ...extra }),
      ...env,
    },
    logFile: path.join(TMP, 'logs', `${logName}.log`),
    label,
  });
  return { child, port: info.port };
}

async function cpuMs(child) {
  const { cpu } = await processes.ask(child, 'cpu');
  return (cpu.user + cpu.system) / 1000;
}

module.exports = { installSafetyNet, startTlsEmulator, startContestant, cpuMs, TMP };
