/**
 * Test harness for the example app: starts `createApp` on a free port with a
 * capturing logger, and a small "browser" (cookie jar + manual redirects)
 * that talks to the app through supertest and to the emulator through fetch.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { MockWeChat } from 'passport-wechat-oauth2/testing';
import { createApp, type ExampleApp, type Logger } from '../../example-app/app';
import { loadConfig, type AppConfig, type Env } from '../../example-app/config';

import { DESKTOP_UA, WECHAT_UA } from '../fixtures/apps';

export { DESKTOP_UA, WECHAT_UA };

export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef-0123456789';

export interface Harness {
  example: ExampleApp;
  config: AppConfig;
  server: Server;
  base: string;
  /** The emulator (in-process one in mock mode; in standalone mode whatever the test passed). */
  mock: MockWeChat;
  /** Every line the app logged. */
  logs: string[];
  /** Every body any TestBrowser received from the app or the emulator. */
  bodies: string[];
  close(): Promise<void>;
}

export async function startApp(env: Env = {}, standaloneMock?: MockWeChat): Promise<Harness> {
  const config = loadConfig({ SESSION_SECRET: TEST_SESSION_SECRET, ...env });
  const logs: string[] = [];
  const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
  const example = await createApp(config, { logger });
  const server = example.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const mock = example.mock ?? standaloneMock;
  if (!mock) throw new Error('startApp: no emulator (pass one for standalone mode)');
  return {
    example,
    config,
    server,
    base: `http://127.0.0.1:${port}`,
    mock,
    logs,
    bodies: [],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await example.close();
    },
  };
}

export interface Reply {
  status: number;
  location?: string;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  setCookies: string[];
}

/** A cookie jar for the app's origin plus manual redirect handling. */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly h: Harness,
    public userAgent = DESKTOP_UA,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The session cookie's value, if any. */
  sessionId(): string | undefined {
    return this.cookies.get(this.h.config.session.cookieName);
  }

  /** GET a path or absolute URL (app: supertest with this jar; elsewhere: fetch, no cookies). */
  async get(target: string, headers: Record<string, string> = {}): Promise<Reply> {
    const url = new URL(target, this.h.base);
    if (url.origin !== this.h.base) return this.external(url, headers);
    return this.app('get', url.pathname + url.search, headers);
  }

  async post(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.app('post', path, headers);
  }

  private async app(method: 'get' | 'post', path: string, headers: Record<string, string>): Promise<Reply> {
    let req = request(this.h.server)[method](path).set('User-Agent', this.userAgent).redirects(0);
    const cookie = this.cookieHeader();
    if (cookie) req = req.set('Cookie', cookie);
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    const res = await req;
    const raw = res.headers['set-cookie'] as unknown;
    const setCookies = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = res.text ?? '';
    this.h.bodies.push(text);
    return { status: res.status, location: res.headers.location, text, headers: res.headers, setCookies };
  }

  private async external(url: URL, headers: Record<string, string>): Promise<Reply> {
    const res = await fetch(url, { redirect: 'manual', headers: { 'User-Agent': this.userAgent, ...headers } });
    const text = await res.text();
    this.h.bodies.push(text);
    const hdrs: Record<string, string> = {};
    res.headers.forEach((v, k) => (hdrs[k] = v));
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      text,
      headers: hdrs,
      setCookies: [],
    };
  }
}

export interface LoginSteps {
  /** Where /login sent the browser (the emulator's authorize or qrconnect URL). */
  authorizeURL: string;
  /** Where the emulator sent the browser back (the app's callback, with code/state or state only). */
  callbackURL: string;
  /** The app's answer to the callback. */
  callback: Reply;
}

export type LoginOptions = {
  client?: 'mp' | 'web' | 'auto';
  user?: string;
  decision?: 'allow' | 'deny';
  returnTo?: string;
};

/**
 * The first half of a login with the emulator's auto-consent: GET /login →
 * emulator, stopping where WeChat would send the browser back. Auto-consent
 * is switched off again before it returns.
 */
export async function reachCallback(
  h: Harness,
  browser: TestBrowser,
  opts: LoginOptions = {},
): Promise<Omit<LoginSteps, 'callback'>> {
  const query = new URLSearchParams();
  if (opts.client) query.set('client', opts.client);
  if (opts.returnTo !== undefined) query.set('returnTo', opts.returnTo);
  const start = await browser.get(`/login${query.size ? `?${query}` : ''}`);
  if (start.status !== 302 || !start.location) throw new Error(`/login answered ${start.status}, not a redirect`);
  h.mock.setAutoConsent({ user: opts.user ?? 'alice', decision: opts.decision ?? 'allow' });
  try {
    const consent = await browser.get(start.location);
    if (consent.status !== 302 || !consent.location)
      throw new Error(`emulator answered ${consent.status}: ${consent.text.slice(0, 200)}`);
    return { authorizeURL: start.location, callbackURL: consent.location };
  } finally {
    h.mock.setAutoConsent(null);
  }
}

/** Drives one whole login: {@link reachCallback}, then the callback. The caller asserts on each step. */
export async function login(h: Harness, browser: TestBrowser, opts: LoginOptions = {}): Promise<LoginSteps> {
  const steps = await reachCallback(h, browser, opts);
  return { ...steps, callback: await browser.get(steps.callbackURL) };
}

/** The `?code=&state=` of a callback URL. */
export function callbackParams(url: string): { code: string | null; state: string | null } {
  const u = new URL(url);
  return { code: u.searchParams.get('code'), state: u.searchParams.get('state') };
}
