#!/usr/bin/env node
import { runCli } from './cli-main.js';

runCli(process.argv.slice(2)).then(
  (r) => (process.exitCode = r.exitCode),
  (e: unknown) => {
    // eslint-disable-next-line no-console
    console.error('wechat-mock:', e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
