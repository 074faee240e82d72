/**
 * The package as npm publishes it: `npm pack`, the tarball installed (never
 * linked) into this folder, then consumer projects in consumers/ that
 * typecheck against it (skipLibCheck: false) and log in once against the
 * emulator from `passport-wechat-oauth2/testing` (esm-nodenext and node10
 * also once with WeComStrategy; a NestJS and a Koa app log in to WeCom):
 * - cjs-js: CommonJS JavaScript (checked with checkJs);
 * - esm-nodenext: ESM TypeScript, nodenext, exactOptionalPropertyTypes;
 * - bundler: TypeScript with moduleResolution bundler;
 * - node10: TypeScript, moduleResolution node10, no esModuleInterop.
 * Then @arethetypeswrong/cli and publint on the tarball, and the
 * `wechat-mock` CLI it installs. The toolchains come from this folder's own
 * lock (`npm ci --prefix test/package`, .ci/run); the install is shared by
 * every test and prefers npm's cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const HERE = __dirname;
const ROOT = path.resolve(HERE, '../..');
const BIN = path.join(HERE, 'node_modules/.bin');
const OUT = path.join(HERE, 'node_modules/.consumers');

const missing = !fs.existsSync(path.join(HERE, 'node_modules/.package-lock.json'))
  ? 'test/package/node_modules is missing (npm ci --prefix test/package)'
  : !fs.existsSync(path.join(ROOT, 'dist/cjs/index.js'))
    ? 'dist/ is missing (npm run build)'
    : undefined;
const underNpmTest = process.env.npm_lifecycle_event === 'test';
if (missing && !underNpmTest) console.warn(`SKIPPED: package tarball tests: ${missing}.`);
if (missing && underNpmTest) {
  it('needs test/package installed and the build', () => {
    throw new Error(missing);
  });
}

/** The environment without npm's own npm_* variables, so child npm commands act as a user's would. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
}

function run(command: string, args: string[], cwd = HERE): string {
  try {
    return execFileSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`,
    );
  }
}

/** Consumers that log in with WeComStrategy too. */
const WECOM_CONSUMERS = ['esm-nodenext', 'node10'];

(missing ? describe.skip : describe)('the packed tarball', () => {
  let tarball: string;
  let files: string[];
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wechat-pack-'));
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    tarball = path.join(dir, packed[0]!.filename);
    files = packed[0]!.files.map((f) => f.path);
    run('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  }, 120_000);

  it('is installed as a copy of the tarball, not a link to the repo', () => {
    expect(fs.lstatSync(path.join(HERE, 'node_modules/passport-wechat-oauth2')).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(path.join(HERE, 'node_modules/passport-wechat-oauth2/lib/wechat/strategy.ts'))).toBe(false);
  });

  it('holds both builds, both READMEs, the docs and emulator reference they link to, and no sources or tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/cjs/index.js',
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'README.md',
        'README.zh-CN.md',
        'docs/README.md',
        'docs/zh-CN/README.md',
        'docs/miniprogram-and-app.md',
        'lib/testing/README.md',
        'LICENSE',
      ]),
    );
    expect(
      files.filter(
        (f) => /^(test|example-app|bench)\//.test(f) || (f.startsWith('lib/') && f !== 'lib/testing/README.md'),
      ),
    ).toEqual([]);
  });

  it("a production install (--omit=dev) into an empty project pulls none of the emulator's QR dependencies", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'wechat-bare-'));
    fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "bare", "version": "1.0.0", "private": true }\n');
    run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
    const installed = fs.readdirSync(path.join(project, 'node_modules'));
    expect(installed).toEqual(expect.arrayContaining(['passport-wechat-oauth2', 'passport-oauth2', 'axios']));
    expect(installed.filter((name) => ['qrcode', 'pngjs', 'yargs', 'dijkstrajs'].includes(name))).toEqual([]);
    fs.rmSync(project, { recursive: true, force: true });
  }, 120_000);

  it('@arethetypeswrong/cli finds no problem (node10, node16 CJS and ESM, bundler; every entry point)', () => {
    const report = JSON.parse(run(path.join(BIN, 'attw'), [tarball, '--format', 'json'])) as {
      analysis: { problems: unknown[] };
    };
    expect(report.analysis.problems).toEqual([]);
  }, 60_000);

  it('publint reports nothing, suggestions included', () => {
    expect(run(path.join(BIN, 'publint'), ['run', tarball, '--level', 'suggestion', '--strict'])).toMatch(/All good!/);
  }, 60_000);

  describe.each([
    ['cjs-js', 'CommonJS JavaScript', 'index.js', HERE + '/consumers/cjs-js/index.js'],
    ['esm-nodenext', 'ESM TypeScript with nodenext', 'index.mts', path.join(OUT, 'esm-nodenext/index.mjs')],
    ['bundler', 'TypeScript with moduleResolution bundler', 'index.mts', path.join(OUT, 'bundler/index.mjs')],
    ['node10', 'TypeScript with node10 and no esModuleInterop', 'index.ts', path.join(OUT, 'node10/index.js')],
  ])('a %s consumer (%s)', (name, _title, _source, entry) => {
    it('typechecks with skipLibCheck: false, then logs in against the emulator from /testing', () => {
      run(process.execPath, [
        path.join(HERE, 'node_modules/typescript/bin/tsc'),
        '-p',
        path.join(HERE, 'consumers', name, 'tsconfig.json'),
      ]);
      const printed = JSON.parse(run(process.execPath, [entry]).trim()) as {
        user: { openid: string; via: string };
        wecom?: { id: string; kind: string; via: string };
      };
      expect(printed.user).toEqual({ openid: expect.stringMatching(/^o[A-Za-z0-9_-]{27}$/), via: name });
      // The TypeScript consumers also log in with WeComStrategy (企业微信, the browser login), its verify untyped.
      if (WECOM_CONSUMERS.includes(name)) {
        expect(printed.wecom).toEqual({ id: 'ww6d6f636b636f7270/zhangsan', kind: 'member', via: name });
      }
    }, 90_000);
  });

  describe('framework consumers logging in to WeCom (企业微信) from the tarball', () => {
    const compile = (name: string): void => {
      run(process.execPath, [
        path.join(HERE, 'node_modules/typescript/bin/tsc'),
        '-p',
        path.join(HERE, 'consumers', name, 'tsconfig.json'),
      ]);
    };

    it("NestJS: PassportStrategy(WeComStrategy, 'wecom') with super() (WECOM_* env) and super(options); validate() makes the user", () => {
      compile('nest');
      const printed = JSON.parse(run(process.execPath, [path.join(OUT, 'nest/index.mjs')]).trim()) as unknown;
      expect(printed).toEqual({
        env: { id: 'ww6d6f636b636f7270/zhangsan', via: 'nest-super()' },
        options: { id: 'ww6d6f636b636f7270/zhangsan', name: '张三', via: 'nest-super(options)' },
      });
    }, 90_000);

    it('Koa (koa-session + koa-passport): logs in, verify untyped', () => {
      compile('koa');
      const printed = JSON.parse(run(process.execPath, [path.join(OUT, 'koa/index.mjs')]).trim()) as unknown;
      expect(printed).toEqual({ user: { id: 'ww6d6f636b636f7270/lisi', userID: 'LiSi', via: 'koa' } });
    }, 90_000);
  });

  describe('the wechat-mock CLI it installs', () => {
    it('prints its usage with --help', () => {
      expect(run(path.join(BIN, 'wechat-mock'), ['--help'])).toMatch(/Usage: wechat-mock/);
    });

    it('starts an emulator that answers, and stops on SIGTERM', async () => {
      const child = spawn(path.join(BIN, 'wechat-mock'), ['--port', '0'], {
        cwd: HERE,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('wechat-mock printed no URL within 15 s')), 15_000);
        createInterface({ input: child.stdout }).on('line', (line) => {
          const match = /https?:\/\/127\.0\.0\.1:\d+/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          }
        });
      });
      const res = await fetch(`${url}/sns/auth?access_token=nope&openid=nope`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { errcode: number }).errcode).not.toBe(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }, 30_000);
  });
});
