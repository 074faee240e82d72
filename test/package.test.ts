import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const built =
  fs.existsSync(path.join(root, 'dist/cjs/index.js')) && fs.existsSync(path.join(root, 'dist/esm/index.js'));

/** Runs node from the package root, so `passport-wechat-oauth2` resolves through the package's own `exports` (self-reference). */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

// `npm test` builds before jest, so there dist/ must exist and a missing build
// fails. Running jest alone on a fresh clone has no dist/: skipped with a notice.
const underNpmTest = process.env.npm_lifecycle_event === 'test';
if (!built && !underNpmTest) console.warn('SKIPPED: package tests need the build (npm run build, or run npm test).');
if (!built && underNpmTest) {
  it('needs the build that npm test makes before jest', () => {
    throw new Error('dist/ is missing although npm test ran the build');
  });
}
(built ? describe : describe.skip)('the published package (dist/)', () => {
  it("require('passport-wechat-oauth2') gives Strategy, WeChatStrategy, default, WeChatAPIError and parseProfile", () => {
    const out = node([
      '-e',
      "const m = require('passport-wechat-oauth2'); console.log(JSON.stringify([typeof m.Strategy, m.Strategy === m.WeChatStrategy, m.Strategy === m.default, typeof m.WeChatAPIError, typeof m.parseProfile, typeof m.SignedStateStore]))",
    ]);
    expect(JSON.parse(out)).toEqual(['function', true, true, 'function', 'function', 'function']);
  });

  it("import { Strategy } and import WeChatStrategy from 'passport-wechat-oauth2' (ESM) are the same class", () => {
    const out = node([
      '--input-type=module',
      '-e',
      "import WeChatStrategy, { Strategy, WeChatAPIError } from 'passport-wechat-oauth2'; const s = new Strategy({ appID: 'wx1', appSecret: 's' }); console.log(JSON.stringify([WeChatStrategy === Strategy, s.name, typeof WeChatAPIError]))",
    ]);
    expect(JSON.parse(out)).toEqual([true, 'wechat', 'function']);
  });

  it('import and require give the same WeChatStrategy class: the ESM entry re-exports the CommonJS build (no dual-package hazard)', () => {
    const out = node([
      '--input-type=module',
      '-e',
      "import { createRequire } from 'node:module'; import { Strategy, SignedStateStore } from 'passport-wechat-oauth2'; import { createMockWeChat } from 'passport-wechat-oauth2/testing'; const require = createRequire(process.cwd() + '/'); const cjs = require('passport-wechat-oauth2'); console.log(JSON.stringify([Strategy === cjs.Strategy, SignedStateStore === cjs.SignedStateStore, createMockWeChat === require('passport-wechat-oauth2/testing').createMockWeChat]))",
    ]);
    expect(JSON.parse(out)).toEqual([true, true, true]);
  });

  it('the ESM entries export exactly the names of the CommonJS ones', () => {
    for (const entry of ['', '/testing']) {
      const cjs = node([
        '-e',
        `console.log(JSON.stringify(Object.keys(require('passport-wechat-oauth2${entry}')).filter((k) => k !== '__esModule').sort()))`,
      ]);
      const esm = node([
        '--input-type=module',
        '-e',
        `const m = await import('passport-wechat-oauth2${entry}'); console.log(JSON.stringify(Object.keys(m).sort()))`,
      ]);
      expect(JSON.parse(esm)).toEqual(JSON.parse(cjs));
    }
  });

  it('CommonJS declarations compile without esModuleInterop: no default import of an export= module', () => {
    const declarations = fs
      .readdirSync(path.join(root, 'dist/cjs'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.d.ts'));
    const offenders = declarations.filter((f) =>
      /^import (type )?\w+ from '[^.]/m.test(fs.readFileSync(path.join(root, 'dist/cjs', f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('the ESM build is real ESM (dist/esm is type: module)', () => {
    expect(JSON.parse(fs.readFileSync(path.join(root, 'dist/esm/package.json'), 'utf8')).type).toBe('module');
  });

  it('ships .d.ts next to both builds', () => {
    for (const f of [
      'dist/cjs/index.d.ts',
      'dist/esm/index.d.ts',
      'dist/cjs/testing/index.d.ts',
      'dist/esm/testing/index.d.ts',
    ]) {
      expect(fs.existsSync(path.join(root, f))).toBe(true);
    }
  });

  it("require('passport-wechat-oauth2/testing') and import it as ESM both give createMockWeChat", () => {
    expect(node(['-e', "console.log(typeof require('passport-wechat-oauth2/testing').createMockWeChat)"])).toBe(
      'function',
    );
    expect(
      node([
        '--input-type=module',
        '-e',
        "import { createMockWeChat } from 'passport-wechat-oauth2/testing'; console.log(typeof createMockWeChat)",
      ]),
    ).toBe('function');
  });
});

describe('package.json', () => {
  it('has main, types, an exports map with types first, and a files whitelist', () => {
    expect(pkg.main).toBe('./dist/cjs/index.js');
    expect(pkg.types).toBe('./dist/cjs/index.d.ts');
    for (const entry of ['.', './testing']) {
      for (const condition of ['import', 'require']) {
        expect(Object.keys(pkg.exports[entry][condition])[0]).toBe('types');
      }
    }
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/cjs', 'dist/esm']));
    expect(pkg.license).toBe('MIT');
  });

  it('lists the types used by the public API as dependencies', () => {
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(['passport-oauth2', 'axios', '@types/passport-oauth2', '@types/express', '@types/oauth']),
    );
  });

  it("keeps the emulator's qrcode out of production installs: an optional peer dependency, loaded on first use", () => {
    expect(pkg.dependencies.qrcode).toBeUndefined();
    expect(pkg.peerDependencies.qrcode).toBeDefined();
    expect(pkg.peerDependenciesMeta.qrcode).toEqual({ optional: true });
  });

  it('has type, repository, homepage and bugs, and ships the docs and emulator reference the READMEs link to', () => {
    expect(pkg.type).toBe('commonjs');
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\//);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs.url).toMatch(/^https:\/\//);
    expect(pkg.files).toEqual(expect.arrayContaining(['lib/testing/README.md', 'README.zh-CN.md', 'docs']));
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('](lib/testing/README.md)');
  });

  it('maps /testing and /redis for node10 resolution (typesVersions), to the same declarations as exports', () => {
    expect(pkg.typesVersions['*'].testing).toEqual([pkg.exports['./testing'].require.types]);
    expect(pkg.typesVersions['*'].redis).toEqual([pkg.exports['./redis'].require.types]);
  });

  it('has the wechat-mock CLI in bin', () => {
    expect(pkg.bin['wechat-mock']).toBe('./dist/cjs/testing/cli.js');
  });
});
