/**
 * Entry point: `npm start` (builds, then runs dist/example-app/server.js).
 * Reads the environment (and `.env` in the working directory, if present),
 * starts the app, prints where it listens, and shuts down on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { createApp, type ExampleApp } from './app';
import { ConfigError, loadConfig } from './config';

function loadDotEnv(): void {
  // Node >= 20.12 reads .env files itself; variables already set win.
  const loadEnvFile = (process as { loadEnvFile?: (path: string) => void }).loadEnvFile;
  if (existsSync('.env') && typeof loadEnvFile === 'function') {
    loadEnvFile('.env');
    console.log('Loaded settings from .env');
  }
}

async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}. See .env.example.`);
      process.exit(1);
    }
    throw err;
  }
  for (const warning of config.warnings) console.warn(`Warning: ${warning}`);

  let example: ExampleApp;
  try {
    example = await createApp(config);
  } catch (err) {
    console.error(`Could not start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }

  const server: Server = example.app.listen(config.port);
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(
      err.code === 'EADDRINUSE'
        ? `Port ${config.port} is already in use; set PORT to another port.`
        : `Server error: ${err.message}`,
    );
    void example.close().finally(() => process.exit(1));
  });
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(`Example app listening on http://localhost:${port}`);
    if (config.mode === 'mock')
      console.log(`Using the bundled WeChat emulator at ${example.site.mockURL} (no WeChat account needed)`);
    else if (config.mode === 'standalone-mock')
      console.log(`Using the standalone WeChat emulator at ${example.site.mockURL}`);
    else console.log('Using real WeChat (open.weixin.qq.com / api.weixin.qq.com)');
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down…`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    server.close(() => {
      void example.close().then(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`Fatal: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
