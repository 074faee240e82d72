'use strict';
// Small numeric helpers and process memory readings.
const fs = require('node:fs');

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length); // nearest-rank
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// VmRSS (current) and VmHWM (peak) of a live process, in MB.
function processMemory(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { rssMB: kb('VmRSS') / 1024, peakRssMB: kb('VmHWM') / 1024 };
}

// Difference of two emulator counter snapshots (see emulator.js).
function diffCounters(before, after) {
  const requests = {};
  for (const [k, v] of Object.entries(after.requests)) {
    const d = v - (before.requests[k] || 0);
    if (d) requests[k] = d;
  }
  const bySni = {};
  for (const [k, v] of Object.entries(after.handshakesBySni)) {
    const d = v - (before.handshakesBySni[k] || 0);
    if (d) bySni[k] = d;
  }
  // WeCom corp-token fetches, from the emulator's own counter (GET /__mock/stats' wecomGettoken, summed over agents).
  const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
  return {
    wecomGettoken: sum(after.wecomGettoken) - sum(before.wecomGettoken),
    emulatorCpuMs: (after.cpuMs || 0) - (before.cpuMs || 0),
    connections: after.connections - before.connections,
    handshakes: after.handshakes - before.handshakes,
    resumed: after.resumed - before.resumed,
    handshakesBySni: bySni,
    requests,
    totalRequests: Object.values(requests).reduce((a, b) => a + b, 0),
  };
}

function addCounters(a, b) {
  const out = {
    wecomGettoken: (a.wecomGettoken || 0) + (b.wecomGettoken || 0),
    emulatorCpuMs: a.emulatorCpuMs + b.emulatorCpuMs,
    connections: a.connections + b.connections,
    handshakes: a.handshakes + b.handshakes,
    resumed: a.resumed + b.resumed,
    handshakesBySni: { ...a.handshakesBySni },
    requests: { ...a.requests },
    totalRequests: a.totalRequests + b.totalRequests,
  };
  for (const [k, v] of Object.entries(b.handshakesBySni)) out.handshakesBySni[k] = (out.handshakesBySni[k] || 0) + v;
  for (const [k, v] of Object.entries(b.requests)) out.requests[k] = (out.requests[k] || 0) + v;
  return out;
}

const emptyCounters = () => ({ wecomGettoken: 0, emulatorCpuMs: 0, connections: 0, handshakes: 0, resumed: 0, handshakesBySni: {}, requests: {}, totalRequests: 0 });

const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

module.exports = { percentile, median, processMemory, diffCounters, addCounters, emptyCounters, round };
