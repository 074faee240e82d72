#!/usr/bin/env node
'use strict';
// `node bench/variant.js NAME [change.diff ...]`: builds a copy of this
// package (lib/ at HEAD) with proposed lib/ changes applied, for `node bench/decompose.js
// --variant=NAME=bench/.tmp/variants/NAME` to measure side by side with the
// package as it is. lib/ itself is never touched: lib/ is copied to
// bench/.tmp/variants/NAME/lib, each diff (paths as in `git diff`, a/lib/...)
// is applied to the copy with patch(1), and the copy is compiled with the
// build's tsconfig into bench/.tmp/variants/NAME/dist/cjs. Prints the
// directory.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// --at=REV: start from lib/ at another commit instead of HEAD (e.g. to measure what a change between two commits cost).
const AT = (process.argv.find((a) => a.startsWith('--at=')) || '--at=HEAD').slice('--at='.length);
const [name, ...diffs] = process.argv.slice(2).filter((a) => !a.startsWith('--at='));
if (!name || !/^[\w.-]+$/.test(name)) {
  console.error('usage: node bench/variant.js NAME [--at=REV] [change.diff ...]');
  process.exit(2);
}
const dir = path.join(__dirname, '.tmp', 'variants', name);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
// lib/ as committed (HEAD), not the working tree others may be editing.
if (!/^[\w.~^/-]+$/.test(AT)) throw new Error(`--at: not a revision: ${AT}`);
const commit = execFileSync('git', ['rev-parse', '--short', AT], { cwd: ROOT }).toString().trim();
execFileSync('sh', ['-c', `git archive ${commit} lib | tar -x -C '${dir}'`], { cwd: ROOT, stdio: 'inherit' });
console.error(`lib/ at ${commit}`);
fs.writeFileSync(path.join(dir, 'COMMIT'), `${commit}\n`);
for (const diff of diffs) {
  // patch(1), not git apply: bench/.tmp is inside the repository, where git apply would patch the real lib/.
  execFileSync('patch', ['-p1', '--forward', '--batch', '-d', dir, '-i', path.resolve(diff)], { stdio: 'inherit' });
  console.error(`applied ${diff}`);
}
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
  extends: path.join(ROOT, 'tsconfig.build.json'),
  compilerOptions: { rootDir: 'lib', outDir: 'dist/cjs' },
  include: ['lib'],
}, null, 2));
try {
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], { cwd: dir, stdio: 'inherit' });
} catch (err) {
  if (!fs.existsSync(path.join(dir, 'dist', 'cjs', 'index.js'))) throw err;
  console.error('tsc reported errors but emitted; continuing');
}
fs.writeFileSync(path.join(dir, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
console.log(path.relative(process.cwd(), dir));
