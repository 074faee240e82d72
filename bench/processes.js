'use strict';
// Starting and stopping the bench's child processes (emulator, contestants).
// Every child is tracked so that run.js can kill all of them on any exit.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const children = new Set();

// The environment children get: ours, minus anything that could send their
// traffic elsewhere or change how node starts.
function cleanEnv(extra) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(https?_proxy|all_proxy|no_proxy|node_options|urllib_.*)$/i.test(k)) delete env[k];
  }
  return { ...env, NODE_ENV: 'production', ...extra };
}

// Spawns `node [nodeArgs] script` with an IPC channel and waits for its
// { type: 'ready' } message. Output goes to logFile.
function startChild({ script, nodeArgs = [], env, logFile, cwd, timeoutMs = 30000, label }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd,
    env: cleanEnv(env),
    stdio: ['ignore', log, log, 'ipc'],
  });
  fs.closeSync(log);
  children.add(child);
  child.on('exit', () => children.delete(child));
  const tail = () => {
    try { return fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n'); } catch { return ''; }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`${label} did not start within ${timeoutMs} ms; log ${logFile}:\n${tail()}`));
    }, timeoutMs);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${signal || code}) before it was ready; log ${logFile}:\n${tail()}`));
    };
    child.once('exit', onExit);
    child.on('message', function onMessage(msg) {
      if (msg && msg.type === 'ready') {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve({ child, info: msg });
      } else if (msg && msg.type === 'error') {
        clearTimeout(timer);
        child.off('exit', onExit);
        stop(child);
        reject(new Error(`${label} failed to start: ${msg.message}`));
      }
    });
  });
}

// Spawns a non-node program (redis-server) tracked like the others, so every
// exit path of the bench kills it too. Output goes to logFile.
function spawnTracked(command, args, { logFile }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const child = spawn(command, args, { stdio: ['ignore', log, log], env: cleanEnv({}) });
  fs.closeSync(log);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

// Request/response over a child's IPC channel ({ type, id } -> same id back).
let nextId = 1;
function ask(child, type, timeoutMs = 10000) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.off('message', onMessage); reject(new Error(`no '${type}' answer from child ${child.pid}`)); }, timeoutMs);
    function onMessage(msg) {
      if (msg && msg.id === id) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg);
      }
    }
    child.on('message', onMessage);
    child.send({ type, id });
  });
}

function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 2000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    try { child.kill('SIGTERM'); } catch { clearTimeout(timer); resolve(); }
  });
}

// Synchronous last resort for process 'exit' handlers.
function killAllNow() {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
  children.clear();
}

module.exports = { startChild, spawnTracked, ask, stop, killAllNow, cleanEnv };
