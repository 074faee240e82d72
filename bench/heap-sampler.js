'use strict';
// Loaded with `node --require bench/heap-sampler.js` into a contestant by
// bench/alloc.js. SIGUSR2 starts sampling; SIGHUP stops it and writes the
// profile to BENCH_HEAP_OUT. By default it is V8's sampling heap profiler,
// counting objects that were already collected too, so the profile is what
// the process allocated, not what it kept; with BENCH_SAMPLE=cpu it is V8's
// CPU profiler (every 100 µs), so a profile covers only the timed callbacks.
const fs = require('node:fs');
const inspector = require('node:inspector');

const session = new inspector.Session();
session.connect();
const out = process.env.BENCH_HEAP_OUT;
const cpu = process.env.BENCH_SAMPLE === 'cpu';

process.on('SIGUSR2', () => {
  if (cpu) {
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 100 }, () => session.post('Profiler.start')));
    return;
  }
  session.post('HeapProfiler.enable', () => session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  }));
});
process.on('SIGHUP', () => {
  session.post(cpu ? 'Profiler.stop' : 'HeapProfiler.stopSampling', (err, result) => {
    if (err) console.error(`[heap-sampler] ${err.message}`);
    else fs.writeFileSync(out, JSON.stringify(result.profile));
  });
});
