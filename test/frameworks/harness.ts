/**
 * Runs the framework apps in apps/ as child processes against the bundled
 * emulator, from the repo's build (dist/, made by `npm test` before jest) and
 * this folder's own node_modules (`npm ci --prefix test/frameworks`, .ci/run).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { MockWeChat } from '../../lib/testing';

export const FRAMEWORKS_DIR = __dirname;
const ROOT = path.resolve(__dirname, '../..');
// Inside node_modules: ignored by git, eslint and jest, and it still resolves this folder's packages.
// One folder per jest worker: two suites compiling at once in parallel
// workers must not delete each other's build while its apps start.
const BUILD = path.join(__dirname, 'node_modules/.apps-build', String(process.pid));

/** Whether the suite can run here; a reason when it cannot. */
export function missingPrerequisite(): string | undefined {
  if (!fs.existsSync(path.join(__dirname, 'node_modules/.package-lock.json')))
    return 'test/frameworks/node_modules is missing (npm ci --prefix test/frameworks)';
  if (!fs.existsSync(path.join(ROOT, 'dist/esm/index.d.ts'))) return 'dist/ is missing (npm run build)';
  return undefined;
}

/** The emulator of the build the apps run, as `passport-wechat-oauth2/testing` gives it. */
export function builtEmulator(): typeof import('../../lib/testing') {
  return require(path.join(ROOT, 'dist/cjs/testing/index.js')) as typeof import('../../lib/testing');
}

/** Typechecks (strict, exactOptionalPropertyTypes) and compiles every app once. */
export function compileApps(): void {
  fs.rmSync(BUILD, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      path.join(__dirname, 'node_modules/typescript/bin/tsc'),
      '-p',
      path.join(__dirname, 'tsconfig.json'),
      '--outDir',
      BUILD,
    ],
    { cwd: __dirname, stdio: 'pipe' },
  );
  fs.writeFileSync(path.join(BUILD, 'package.json'), '{ "type": "module" }\n');
}

export interface RunningApp {
  url: string;
  /** What the app wrote to stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `apps/<name>.ts` (compiled) with the emulator's settings in env; resolves once it listens. */
export function startApp(name: string, mock: MockWeChat, env: Record<string, string> = {}): Promise<RunningApp> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', path.join(__dirname, 'resolve-package.mjs'), path.join(BUILD, `${name}.js`)],
    {
      cwd: __dirname,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        WECHAT_APP_ID: mock.apps.mp.appID,
        WECHAT_APP_SECRET: mock.apps.mp.appSecret,
        WECHAT_AUTHORIZATION_URL: mock.authorizationURL,
        WECHAT_QRCONNECT_URL: mock.qrconnectURL,
        WECHAT_API_BASE_URL: mock.apiBaseURL.join(','),
        WECHAT_CALLBACK_URL: '/auth/wechat/callback',
        ...env,
      },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = (JSON.parse(line) as { port?: number }).port;
      if (!port) return;
      clearTimeout(timer);
      resolve({
        url: `http://127.0.0.1:${port}`,
        stderr: () => stderr,
        stop: async () => {
          child.kill();
          await exited;
        },
      });
    });
  });
}
