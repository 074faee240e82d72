#!/usr/bin/env node
// Builds the package: one CommonJS implementation with .d.ts, ESM .d.ts, and
// ESM entry points that re-export the CommonJS build (so `import` and
// `require` share one WeChatStrategy class: no dual-package hazard). Then the
// example app, which imports the package by name through Node's package
// self-reference, so it runs against exactly what npm would publish.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = (project) => execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
/** The package's entry points (`exports`), relative to dist/cjs and dist/esm without extension. */
const ENTRIES = ['index', 'testing/index', 'redis/index'];

fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run('tsconfig.build.json');
run('tsconfig.build.esm.json'); // declarations only
fs.writeFileSync(path.join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
fs.writeFileSync(path.join(root, 'dist/esm/package.json'), '{ "type": "module" }\n');

for (const file of walk(path.join(root, 'dist/cjs'))) {
  if (file.endsWith('.d.ts')) fs.writeFileSync(file, withoutDefaultImports(fs.readFileSync(file, 'utf8')));
}
for (const entry of ENTRIES) {
  const cjs = path.join(root, 'dist/cjs', `${entry}.js`);
  if (!fs.existsSync(cjs)) continue;
  fs.writeFileSync(path.join(root, 'dist/esm', `${entry}.js`), esmWrapper(entry, Object.keys(require(cjs))));
}

const cli = path.join(root, 'dist/cjs/testing/cli.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
const exampleDir = path.join(root, 'example-app');
if (fs.existsSync(exampleDir) && fs.readdirSync(exampleDir).some((f) => f.endsWith('.ts')))
  run('tsconfig.example.json');

/**
 * CommonJS declarations must not need `esModuleInterop`: a default import of
 * an `export =` module (passport-oauth2, node:http) is TS1259 without it.
 * `import X = require()` means the same thing and compiles with or without.
 */
function withoutDefaultImports(source) {
  return source.replace(/^import (?:type )?([A-Za-z_$][\w$]*) from '([^.'][^']*)';$/gm, "import $1 = require('$2');");
}

/** An ESM entry that re-exports the CommonJS build's names (Node reads CommonJS as one default export). */
function esmWrapper(entry, names) {
  const depth = entry.split('/').length - 1;
  const target = `${'../'.repeat(depth + 1)}cjs/${entry}.js`;
  const named = names.filter((name) => name !== 'default' && name !== '__esModule');
  const lines = [
    `// ESM entry: the CommonJS build re-exported, so import and require share one implementation.`,
    `import cjs from '${target}';`,
  ];
  if (named.length > 0) lines.push(`export const { ${named.join(', ')} } = cjs;`);
  if (names.includes('default')) lines.push('export default cjs.default;');
  return lines.join('\n') + '\n';
}

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}
