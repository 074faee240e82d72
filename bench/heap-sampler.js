'use strict';
// Loaded with `node --require bench/heap-sampler.js` into a contestant by
// bench/alloc.js: V8's sampling heap profiler, counting objects that were
// already collected too, so the profile is what the process allocated, not
// what it kept. SIGUSR2 starts sampling; SIGHUP stops it and writes the
// profile to BENCH_HEAP_OUT.
const fs = require('node:fs');
const inspector = require('node:inspector');

const session = new inspector.Session();
session.connect();
const out = process.env.BENCH_HEAP_OUT;

process.on('SIGUSR2', () => {
  session.post('HeapProfiler.enable', () => session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  }));
});
process.on('SIGHUP', () => {
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) console.error(`[heap-sampler] ${err.message}`);
    else fs.writeFileSync(out, JSON.stringify(result.profile));
  });
});
