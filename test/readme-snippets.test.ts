/**
 * Every TypeScript snippet (```ts or ```typescript) of the docs must compile,
 * so the docs cannot rot: README.md, README.zh-CN.md and every page under
 * docs/ (English, and Chinese in docs/zh-CN/; test/helpers/docs.ts lists
 * them). Each snippet becomes its own ES module, compiled by tsc with
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
 * The names the docs use throughout without declaring them (`app`,
 * `passport`, `WeChatStrategy`, `options`, `verify`, `strategy`, `db`, …) are
 * declared once, globally, in SNIPPET_GLOBALS below; a snippet's own import
 * or declaration shadows them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { docFiles, readDoc, ROOT } from './helpers/docs';

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
  /** The markdown file, from the repository root. */
  file: string;
  /** Line of the opening fence in that file. */
  line: number;
  code: string;
  context: string;
  skip: boolean;
}

export function extractSnippets(markdown: string, file = 'README.md'): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)$/.test(lines[i]!.trim())) continue;
    const before = i > 0 ? lines[i - 1]!.trim() : '';
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end < 0) throw new Error(`${file}:${i + 1}: a \`\`\`ts fence is never closed`);
    const context = /^<!-- ts-snippet-context: ([\s\S]*) -->$/.exec(before)?.[1] ?? '';
    snippets.push({
      file,
      line: i + 1,
      code: lines.slice(i + 1, end).join('\n'),
      context,
      skip: /^<!-- ts-snippet: skip\b/.test(before),
    });
    i = end;
  }
  return snippets;
}

const files = docFiles();
const snippets = files.flatMap((file) => extractSnippets(readDoc(file), file));
/** The module a snippet is compiled as: its file and fence line, e.g. docs_zh-CN_options.md-line-12.mts. */
const moduleName = (s: Snippet): string => `${s.file.replace(/\//g, '_')}-line-${s.line}.mts`;
const missing = !fs.existsSync(path.join(FRAMEWORKS, 'node_modules/.package-lock.json'))
  ? 'test/frameworks/node_modules is missing (npm ci --prefix test/frameworks)'
  : !fs.existsSync(path.join(ROOT, 'dist/esm/index.d.ts'))
    ? 'dist/ is missing (npm run build)'
    : undefined;
const underNpmTest = process.env.npm_lifecycle_event === 'test';
if (missing && !underNpmTest) console.warn(`SKIPPED: docs snippet compilation: ${missing}.`);

describe('the docs snippet extractor', () => {
  it('finds ts and typescript snippets, with their context and skip markers', () => {
    const found = extractSnippets(
      'a\n<!-- ts-snippet-context: declare const x: number; -->\n```ts\nx + 1;\n```\n<!-- ts-snippet: skip fragment -->\n```ts\n}\n```\n```sh\nnpm test\n```\n```typescript\nlet y = 2;\n```\n',
      'docs/x.md',
    );
    expect(found).toEqual([
      { file: 'docs/x.md', line: 3, code: 'x + 1;', context: 'declare const x: number;', skip: false },
      { file: 'docs/x.md', line: 7, code: '}', context: '', skip: true },
      { file: 'docs/x.md', line: 13, code: 'let y = 2;', context: '', skip: false },
    ]);
  });

  it('reads both READMEs and the English and Chinese docs pages', () => {
    const withSnippets = new Set(snippets.map((s) => s.file));
    for (const file of ['README.md', 'README.zh-CN.md', 'docs/options.md', 'docs/zh-CN/options.md'])
      expect(withSnippets).toContain(file);
    expect([...withSnippets].filter((f) => f.startsWith('docs/zh-CN/')).length).toBeGreaterThanOrEqual(5);
  });

  it('fails on a fence that is never closed, naming the file', () => {
    expect(() => extractSnippets('```ts\nconst x = 1;\n', 'docs/y.md')).toThrow(/docs\/y.md:1: .* never closed/);
  });
});

(missing && !underNpmTest ? describe.skip : describe)('every TypeScript snippet of README*.md and docs/', () => {
  it('compiles with strict and exactOptionalPropertyTypes', () => {
    if (missing) throw new Error(missing);
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    const compiled = snippets.filter((s) => !s.skip);
    for (const s of compiled) fs.writeFileSync(path.join(OUT, moduleName(s)), `${s.context}\n${s.code}\nexport {};\n`);
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
    // <file>-line-<fence>.mts(<line>,<col>): the context is one line, so snippet line n is line fence + n - 1 of the file.
    const byModule = new Map(compiled.map((s) => [moduleName(s), s]));
    const errors = output
      .split('\n')
      .filter((l) => l.includes('error TS'))
      .map((l) =>
        l.replace(/^(\S+\.mts)\((\d+),(\d+)\)/, (m, name: string, row: string, col: string) => {
          const s = byModule.get(name);
          return s ? `${s.file}:${s.line + Number(row) - 1}:${col}` : m;
        }),
      );
    expect(errors).toEqual([]);
    expect(compiled.length).toBeGreaterThanOrEqual(30);
  }, 120_000);
});
