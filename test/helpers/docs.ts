/**
 * The documentation the tests read: README.md, README.zh-CN.md (every
 * README*.md at the root) and every page under docs/ (English, and Chinese
 * in docs/zh-CN/), as paths relative to the repository root.
 */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

function markdownUnder(dir: string): string[] {
  const found: string[] = [];
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return found;
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...markdownUnder(rel));
    else if (entry.name.endsWith('.md')) found.push(rel);
  }
  return found;
}

/** README*.md and docs/**\/*.md, sorted. */
export function docFiles(): string[] {
  const readmes = fs.readdirSync(ROOT).filter((f) => /^README.*\.md$/.test(f));
  return [...readmes, ...markdownUnder('docs')].sort();
}

export function readDoc(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}
