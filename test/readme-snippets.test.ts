/**
 * Every ```ts snippet of README.md (English and Chinese) must compile, so the
 * docs cannot rot: each becomes its own ES module, compiled by tsc with
 * `strict` and `exactOptionalPropertyTypes` against the package's build
 * (dist/, made by `npm test` before jest) and the framework types installed
 * in test/frameworks (Express, Koa, Fastify, NestJS).
 *
 * Conventions, as HTML comments on the line right before a ```ts fence
 * (invisible on GitHub and npm):
 * - `<!-- ts-snippet-context: <TypeScript> -->` is compiled in front of the
 *   snippet: declarations the snippet takes for granted, such as
 *   `declare const app: import('express').Express;` or an import.
 * - `<!-- ts-snippet: skip <reason> -->` leaves the snippet out (for a
 *   fragment that cannot stand alone; prefer a context).
 * The names the README uses throughout without declaring them (`app`,
 * `passport`, `WeChatStrategy`, `options`, `verify`, `strategy`, `db`, …) are
 * declared once, globally, in SNIPPET_GLOBALS below; a snippet's own import
 * or declaration shadows them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const FRAMEWORKS = path.join(ROOT, 'test/frameworks');
const OUT = path.join(FRAMEWORKS, 'node_modules/.readme-snippets');

const SNIPPET_GLOBALS = `
declare const WeChatStrategy: typeof import('passport-wechat-oauth2').WeChatStrategy;
type WeChatStrategy = import('passport-wechat-oauth2').WeChatStrategy;
type WeChatAuthenticateOptions = import('passport-wechat-oauth2').WeChatAuthenticateOptions;
type WeChatFailureInfo = import('passport-wechat-oauth2').WeChatFailureInfo;
declare const options: import('passport-wechat-oauth2').WeChatStrategyOptions;
declare const verify: import('passport-wechat-oauth2').VerifyFunction;
declare const strategy: WeChatStrategy;
declare const app: import('express').Express;
declare const passport: import('passport').PassportStatic;
declare namespace passport {
  type AuthenticateOptions = import('passport').AuthenticateOptions;
}
declare const storedRefreshToken: string;
declare const refreshToken: string;
interface SnippetUser {
  id: string;
  unionid?: string | undefined;
}
declare const db: {
  findUserByUnionid(unionid: string): Promise<SnippetUser | undefined>;
  findUserByOpenid(appID: string, openid: string): Promise<SnippetUser | undefined>;
  createUser(fields: { unionid: string | undefined; name: string }): Promise<SnippetUser>;
  setUnionid(id: string, unionid: string): Promise<void>;
  addOpenid(id: string, appID: string, openid: string): Promise<void>;
};
`;

export interface Snippet {
  /** README line of the opening fence. */
  line: number;
  code: string;
  context: string;
  skip: boolean;
}

export function extractSnippets(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const before = i > 0 ? lines[i - 1]!.trim() : '';
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: a \`\`\`ts fence is never closed`);
    const context = /^<!-- ts-snippet-context: ([\s\S]*) -->$/.exec(before)?.[1] ?? '';
    snippets.push({
      line: i + 1,
      code: lines.slice(i + 1, end).join('\n'),
      context,
      skip: /^<!-- ts-snippet: skip\b/.test(before),
    });
    i = end;
  }
  return snippets;
}

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const snippets = extractSnippets(readme);
const missing = !fs.existsSync(path.join(FRAMEWORKS, 'node_modules/.package-lock.json'))
  ? 'test/frameworks/node_modules is missing (npm ci --prefix test/frameworks)'
  : !fs.existsSync(path.join(ROOT, 'dist/esm/index.d.ts'))
    ? 'dist/ is missing (npm run build)'
    : undefined;
const underNpmTest = process.env.npm_lifecycle_event === 'test';
if (missing && !underNpmTest) console.warn(`SKIPPED: README snippet compilation: ${missing}.`);

describe('the README snippet extractor', () => {
  it('finds snippets in the English and the Chinese parts, with their context and skip markers', () => {
    const found = extractSnippets(
      'a\n<!-- ts-snippet-context: declare const x: number; -->\n```ts\nx + 1;\n```\n<!-- ts-snippet: skip fragment -->\n```ts\n}\n```\n```sh\nnpm test\n```\n',
    );
    expect(found).toEqual([
      { line: 3, code: 'x + 1;', context: 'declare const x: number;', skip: false },
      { line: 7, code: '}', context: '', skip: true },
    ]);
    const chinese = readme.indexOf('## 中文');
    expect(snippets.some((s) => readme.split('\n').slice(0, s.line).join('\n').length > chinese)).toBe(true);
    expect(snippets.some((s) => readme.split('\n').slice(0, s.line).join('\n').length < chinese)).toBe(true);
  });

  it('fails on a fence that is never closed', () => {
    expect(() => extractSnippets('```ts\nconst x = 1;\n')).toThrow(/README.md:1: .* never closed/);
  });
});

(missing && !underNpmTest ? describe.skip : describe)('every ```ts snippet of README.md', () => {
  it('compiles with strict and exactOptionalPropertyTypes', () => {
    if (missing) throw new Error(missing);
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    const compiled = snippets.filter((s) => !s.skip);
    for (const s of compiled)
      fs.writeFileSync(path.join(OUT, `readme-line-${s.line}.mts`), `${s.context}\n${s.code}\nexport {};\n`);
    fs.writeFileSync(path.join(OUT, 'globals.d.ts'), SNIPPET_GLOBALS);
    const types = (name: string, from = FRAMEWORKS) => [path.join(from, 'node_modules/@types', name)];
    fs.writeFileSync(
      path.join(OUT, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          skipLibCheck: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          types: ['node'],
          // The package as its build declares it; Express and Passport types once (the apps' copies).
          paths: {
            'passport-wechat-oauth2': [path.join(ROOT, 'dist/esm/index.d.ts')],
            'passport-wechat-oauth2/testing': [path.join(ROOT, 'dist/esm/testing/index.d.ts')],
            'passport-wechat-oauth2/redis': [path.join(ROOT, 'dist/esm/redis/index.d.ts')],
            express: types('express'),
            'express-serve-static-core': types('express-serve-static-core'),
            passport: types('passport'),
            supertest: types('supertest', ROOT),
          },
        },
        // passport-oauth2-refresh ships no types; the repo's declaration stands in for @types/passport-oauth2-refresh.
        include: ['*.mts', 'globals.d.ts', path.join(ROOT, 'test/types/passport-oauth2-refresh.d.ts')],
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [path.join(FRAMEWORKS, 'node_modules/typescript/bin/tsc'), '-p', OUT], {
        cwd: OUT,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    // readme-line-<fence>.mts(<line>,<col>): the context is one line, so snippet line n is README line fence + n - 1.
    const errors = output
      .split('\n')
      .filter((l) => l.includes('error TS'))
      .map((l) =>
        l.replace(
          /^readme-line-(\d+)\.mts\((\d+),(\d+)\)/,
          (_m, fence: string, row: string, col: string) => `README.md:${Number(fence) + Number(row) - 1}:${col}`,
        ),
      );
    expect(errors).toEqual([]);
    expect(compiled.length).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
