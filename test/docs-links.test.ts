/**
 * Every relative link in README*.md and docs/**\/*.md must lead somewhere: the
 * file or folder it names exists, and a `#anchor` into a markdown file (or the
 * page itself) names one of its headings, slugged as GitHub does. Links with a
 * scheme (https:, mailto:) are not followed. Code blocks, inline code and HTML
 * comments are not read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { docFiles, readDoc, ROOT } from './helpers/docs';

/** GitHub's anchor for a heading (github-slugger): lower case, punctuation dropped, each space a hyphen. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, ''); // code and emphasis marks
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The lines outside fenced code blocks, with inline code and HTML comments blanked; 1-based numbers. */
function proseLines(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((raw, i) => {
    const marker = /^\s*(```|~~~)/.exec(raw)?.[1];
    if (fence) {
      if (marker === fence) fence = undefined;
      return;
    }
    if (marker) {
      fence = marker;
      return;
    }
    out.push({
      line: i + 1,
      text: raw.replace(/<!--.*?-->/g, '').replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length)),
    });
  });
  return out;
}

/** The anchors a markdown file offers: its headings' slugs (with GitHub's -1, -2 for repeats) and `<a id|name>`. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const raw of markdown.split('\n')) {
    const marker = /^\s*(```|~~~)/.exec(raw)?.[1];
    if (fence) {
      if (marker === fence) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw)?.[1];
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const m of raw.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

export interface Link {
  line: number;
  target: string;
}

/** The relative links of a markdown file: `[text](target)` and `![alt](target)`, without http(s) and other schemes. */
export function relativeLinks(markdown: string): Link[] {
  const links: Link[] = [];
  for (const { line, text } of proseLines(markdown)) {
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ line, target });
    }
  }
  return links;
}

/** What is wrong with each relative link of `file` (a path from the repository root), as `file:line: message`. */
export function brokenLinks(file: string, markdown: string, read = readDoc, exists = existsInRepo): string[] {
  const problems: string[] = [];
  for (const { line, target } of relativeLinks(markdown)) {
    const hash = target.indexOf('#');
    const pathPart = decodeURI(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = pathPart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
    if (resolved.startsWith('..') || !exists(resolved)) {
      problems.push(`${file}:${line}: ${target}: no such file (${resolved})`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md')) {
      const anchors = anchorsOf(resolved === file ? markdown : read(resolved));
      if (!anchors.has(anchor)) problems.push(`${file}:${line}: ${target}: no heading #${anchor} in ${resolved}`);
    }
  }
  return problems;
}

function existsInRepo(rel: string): boolean {
  return fs.existsSync(path.join(ROOT, rel.replace(/\/$/, '')));
}

describe('the link checker', () => {
  it('slugs headings as GitHub does', () => {
    expect(githubSlug('Outcomes: fail vs error')).toBe('outcomes-fail-vs-error');
    expect(githubSlug("WeChat's double callback, on one instance and many")).toBe(
      'wechats-double-callback-on-one-instance-and-many',
    );
    expect(githubSlug('The emulator and the `wechat-mock` CLI')).toBe('the-emulator-and-the-wechat-mock-cli');
    expect(githubSlug('结果：fail 与 error')).toBe('结果fail-与-error');
    expect(githubSlug('Several instances (Redis)')).toBe('several-instances-redis');
    expect([...anchorsOf('# A\n## Koa\n```sh\n# not a heading\n```\n## Koa\n<a id="x"></a>\n')]).toEqual([
      'a',
      'koa',
      'koa-1',
      'x',
    ]);
  });

  it('finds relative links outside code, and reports a missing file or heading', () => {
    const page = [
      '# Page',
      '[ok](other.md#there) [same](#page) [web](https://example.com) `[code](nowhere.md)`',
      '```md',
      '[fenced](nowhere.md)',
      '```',
      '<!-- [comment](nowhere.md) -->',
      '[gone](missing.md) [bad anchor](other.md#nowhere) [self](#nope) ![img](img/x.png)',
    ].join('\n');
    const files: Record<string, string> = { 'docs/other.md': '# Other\n## There\n', 'docs/img/x.png': '' };
    const problems = brokenLinks(
      'docs/page.md',
      page,
      (f) => files[f]!,
      (f) => f === 'docs/page.md' || f in files,
    );
    expect(problems).toEqual([
      'docs/page.md:7: missing.md: no such file (docs/missing.md)',
      'docs/page.md:7: other.md#nowhere: no heading #nowhere in docs/other.md',
      'docs/page.md:7: #nope: no heading #nope in docs/page.md',
    ]);
  });
});

describe('the links of README*.md and docs/', () => {
  const files = docFiles();

  it('covers both READMEs and the English and Chinese docs', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'README.zh-CN.md', 'docs/README.md']));
    expect(files.filter((f) => f.startsWith('docs/zh-CN/')).length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('%s: every relative link points at an existing file and heading', (file) => {
    expect(brokenLinks(file, readDoc(file))).toEqual([]);
  });

  it('each docs page links its counterpart in the other language near the top', () => {
    const missing: string[] = [];
    for (const file of files) {
      const counterpart = file.startsWith('docs/zh-CN/')
        ? `docs/${file.slice('docs/zh-CN/'.length)}`
        : file.startsWith('docs/')
          ? `docs/zh-CN/${file.slice('docs/'.length)}`
          : file === 'README.md'
            ? 'README.zh-CN.md'
            : 'README.md';
      const top = readDoc(file).split('\n').slice(0, 5).join('\n');
      const linked = relativeLinks(top).some(
        (l) => path.posix.normalize(path.posix.join(path.posix.dirname(file), l.target.split('#')[0]!)) === counterpart,
      );
      if (!fs.existsSync(path.join(ROOT, counterpart)) || !linked) missing.push(`${file} → ${counterpart}`);
    }
    expect(missing).toEqual([]);
  });
});
