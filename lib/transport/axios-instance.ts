import axios, { type AxiosInstance } from 'axios';
import { createKeepAliveAdapter, keepAliveAgents } from './keep-alive-adapter.js';

/**
 * The package's private axios instance and the fixed config of the calls it
 * does not serve with the lean keep-alive adapter: what WeChatHttpClient
 * sends through, not how it fails over or reads WeChat's answers.
 */

const PROXY_ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/**
 * The shared default axios instance. Logins make one or two short calls to
 * the same host, so reusing TLS connections is most of the latency budget and
 * per-call CPU is the rest: its adapter is a lean keep-alive `https.get`
 * (see keep-alive-adapter.ts). When a proxy is configured in the environment,
 * axios's stock adapter is kept, because it is the one that honours it.
 */
let sharedAxios: { instance: AxiosInstance; lean: boolean } | undefined;
export function defaultAxios(): { instance: AxiosInstance; lean: boolean } {
  if (!sharedAxios) {
    const stock = axios.getAdapter('http');
    const proxied = PROXY_ENV.some((name) => process.env[name]);
    // The same keep-alive agents serve the stock adapter when it is used.
    const instance = axios.create({
      ...keepAliveAgents,
      maxContentLength: MAX_BODY_BYTES,
      adapter: proxied ? stock : createKeepAliveAdapter(stock),
    });
    if (!proxied) {
      // axios merges every default into every request's config, then copies and
      // checks each key again (toSafeFlatObject, assertOptions, transitional
      // validators). A login's GET on this private instance passes only its URL
      // and timeout, and the lean adapter reads nothing else: keeping only the
      // keys it needs halves axios's pipeline (16.9 → 8.8 µs per call,
      // profile-notes.md). The stock adapter never sees this config bare:
      // every request it serves passes the full fixed config (send()).
      for (const key of Object.keys(instance.defaults) as Array<keyof typeof instance.defaults>) {
        if (!LEAN_DEFAULTS.has(key)) delete instance.defaults[key];
      }
    }
    sharedAxios = { instance, lean: !proxied };
  }
  return sharedAxios;
}
/** What the private instance keeps for the lean adapter: itself, the body cap, and the agents the stock fallback uses. */
const LEAN_DEFAULTS: ReadonlySet<string> = new Set(['adapter', 'maxContentLength', 'httpAgent', 'httpsAgent']);

// Keep the body as text: WeChat labels JSON as text/plain, and a failed parse
// must be a failover signal, not a thrown SyntaxError. Any status is read as
// a response; the client decides what a non-200 means.
const MAX_BODY_BYTES = 1024 * 1024;
const KEEP_BODY_AS_TEXT = [(data: unknown): unknown => data];
const ANY_STATUS = (): boolean => true;
/** What every call but a login's lean GET sets (WeChatHttpClient's send()). */
export const FIXED_GET_CONFIG = {
  method: 'get',
  responseType: 'text',
  transformResponse: KEEP_BODY_AS_TEXT,
  validateStatus: ANY_STATUS,
  maxRedirects: 0,
  maxContentLength: MAX_BODY_BYTES,
} as const;
export const JSON_BODY_HEADERS = { 'Content-Type': 'application/json' };

/** Thrown when {@link withDeadline}'s timer fires first; its code makes it kind `timeout`. */
const DEADLINE_PASSED = Object.freeze({ code: 'ETIMEDOUT', message: 'deadline passed' });

/**
 * Runs `send` with an AbortSignal that fires at `timeout` ms, and settles at
 * the deadline even if the adapter ignores the signal (a user's own adapter
 * may): a late answer or the adapter's cancellation error is then dropped.
 */
export function withDeadline<T>(timeout: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(DEADLINE_PASSED);
      controller.abort();
    }, timeout);
    send(controller.signal).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
