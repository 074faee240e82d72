#!/usr/bin/env node
// Builds the package twice (CommonJS and ESM, each with .d.ts) and then the
// example app, which imports the package by name through Node's package
// self-reference, so it runs against exactly what npm would publish.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = (project) => execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });

fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run('tsconfig.build.json');
run('tsconfig.build.esm.json');
fs.writeFileSync(path.join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
fs.writeFileSync(path.join(root, 'dist/esm/package.json'), '{ "type": "module" }\n');
const cli = path.join(root, 'dist/cjs/testing/cli.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
const exampleDir = path.join(root, 'example-app');
if (fs.existsSync(exampleDir) && fs.readdirSync(exampleDir).some((f) => f.endsWith('.ts'))) run('tsconfig.example.json');
