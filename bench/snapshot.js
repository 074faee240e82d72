'use strict';
// A frozen copy of the package for one bench run: package.json + dist/cjs
// under bench/.tmp/self/<run>/, with node_modules linked to the repository's,
// so the package still resolves by its own name through its "exports" (see
// self.js) and its dependencies are the root's. Either copied from dist/cjs
// (default; `npm run build` makes it) or, with `build: true`, compiled with tsc
// from lib/ as committed at HEAD (extracted with git archive, so others'
// uncommitted edits are left out), leaving the shared dist/ alone. It records
// the commit and whether the working tree's lib/ differed from it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SNAPSHOTS = path.join(__dirname, '.tmp', 'self');

function git(args) {
  try { return execFileSync('git', args, { cwd: ROOT, timeout: 10000 }).toString().trim(); } catch { return ''; }
}

function makeSnapshot({ build = false, log = () => {} } = {}) {
  fs.mkdirSync(SNAPSHOTS, { recursive: true });
  // Keep the last few snapshots only (each is about 1 MB).
  const old = fs.readdirSync(SNAPSHOTS).sort();
  for (const d of old.slice(0, Math.max(0, old.length - 3))) fs.rmSync(path.join(SNAPSHOTS, d), { recursive: true, force: true });
  const dir = path.join(SNAPSHOTS, `${Date.now()}-${process.pid}`);
  const cjs = path.join(dir, 'dist', 'cjs');
  fs.mkdirSync(cjs, { recursive: true });
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const libDirty = git(['status', '--porcelain', '--', 'lib']).length > 0;
  if (build) {
    log(`compiling lib/ at ${commit} into ${path.relative(ROOT, cjs)} (tsc; dist/ is left alone)`);
    execFileSync('sh', ['-c', `git archive HEAD lib | tar -x -C '${dir}'`], { cwd: ROOT, stdio: 'inherit', timeout: 60000 });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.build.json'),
      compilerOptions: { rootDir: 'lib', outDir: 'dist/cjs' },
      include: ['lib'],
    }));
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { cwd: dir, stdio: 'pipe', timeout: 240000 });
    } catch (err) {
      // tsc still emits on type errors (someone else's half-done edit); refuse only if nothing came out.
      if (!fs.existsSync(path.join(cjs, 'index.js'))) throw new Error(`tsc failed: ${String(err.stdout || err.message).slice(0, 2000)}`);
      log(`tsc reported errors but emitted; continuing:\n${String(err.stdout || '').slice(0, 1000)}`);
    }
  } else {
    fs.cpSync(path.join(ROOT, 'dist', 'cjs'), cjs, { recursive: true });
  }
  fs.writeFileSync(path.join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  if (!build) fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  process.env.BENCH_SELF_ROOT = dir; // inherited by every child (processes.cleanEnv keeps it)
  return { dir, commit, libDirty: build ? false : libDirty, source: build ? 'lib/ as committed, compiled by the bench' : 'dist/cjs copied' };
}

module.exports = { makeSnapshot };
