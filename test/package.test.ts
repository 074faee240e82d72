import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const built = fs.existsSync(path.join(root, 'dist/cjs/index.js')) && fs.existsSync(path.join(root, 'dist/esm/index.js'));

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
    const out = node(['-e', "const m = require('passport-wechat-oauth2'); console.log(JSON.stringify([typeof m.Strategy, m.Strategy === m.WeChatStrategy, m.Strategy === m.default, typeof m.WeChatAPIError, typeof m.parseProfile, typeof m.SignedStateStore]))"]);
    expect(JSON.parse(out)).toEqual(['function', true, true, 'function', 'function', 'function']);
  });

  it("import { Strategy } and import WeChatStrategy from 'passport-wechat-oauth2' (ESM) are the same class", () => {
    const out = node(['--input-type=module', '-e', "import WeChatStrategy, { Strategy, WeChatAPIError } from 'passport-wechat-oauth2'; const s = new Strategy({ appID: 'wx1', appSecret: 's' }); console.log(JSON.stringify([WeChatStrategy === Strategy, s.name, typeof WeChatAPIError]))"]);
    expect(JSON.parse(out)).toEqual([true, 'wechat', 'function']);
  });

  it("the ESM build is real ESM (dist/esm is type: module)", () => {
    expect(JSON.parse(fs.readFileSync(path.join(root, 'dist/esm/package.json'), 'utf8')).type).toBe('module');
  });

  it('ships .d.ts next to both builds', () => {
    for (const f of ['dist/cjs/index.d.ts', 'dist/esm/index.d.ts', 'dist/cjs/testing/index.d.ts', 'dist/esm/testing/index.d.ts']) {
      expect(fs.existsSync(path.join(root, f))).toBe(true);
    }
  });

  it("require('passport-wechat-oauth2/testing') and import it as ESM both give createMockWeChat", () => {
    expect(node(['-e', "console.log(typeof require('passport-wechat-oauth2/testing').createMockWeChat)"])).toBe('function');
    expect(node(['--input-type=module', '-e', "import { createMockWeChat } from 'passport-wechat-oauth2/testing'; console.log(typeof createMockWeChat)"])).toBe('function');
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
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['passport-oauth2', 'axios', '@types/passport-oauth2']));
  });

  it('has the wechat-mock CLI in bin', () => {
    expect(pkg.bin['wechat-mock']).toBe('./dist/cjs/testing/cli.js');
  });
});
