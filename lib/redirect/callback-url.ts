import type { Request } from 'express';
import { requestHost } from './request-url.js';

/**
 * Guards the one place a request header becomes part of a URL we send out.
 *
 * A relative `callbackURL` is resolved against the request (request-url.ts,
 * passport-oauth2's `utils.originalURL` rules): the host comes from
 * `X-Forwarded-Host` when proxies are trusted (the strategy's `proxy` option
 * or the app's `trust proxy`), else from `Host`. Neither header is checked by
 * Node or Express: `Host: 127.0.0.1:1@evil.example` yields
 * `redirect_uri=http://127.0.0.1:1@evil.example/cb`, which a browser reads as
 * host `evil.example` with a user name. WeChat only redirects to a registered
 * domain (wechat-protocol.md §1.3), but nothing should rely on that.
 */

/** A hostname or IPv4 address, or a bracketed IPv6 address, then an optional port: nothing else. */
const PLAIN_HOST = /^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?$/;

/**
 * Why no redirect_uri can be built from `callbackURL` for this request, or
 * `undefined` when one can (an absolute URL, or a plain host to resolve it against).
 */
export function relativeCallbackProblem(req: Request, callbackURL: string, proxyOption: boolean): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(callbackURL)) return undefined;
  const trust =
    proxyOption || Boolean((req as { app?: { get?: (setting: string) => unknown } }).app?.get?.('trust proxy'));
  const match = PLAIN_HOST.exec(requestHost(req, trust));
  if (match && Number(match[1] ?? 0) <= 65535) return undefined;
  return `WeChatStrategy: callbackURL '${callbackURL}' is relative, and this request's host (the Host header, or X-Forwarded-Host behind a trusted proxy) is not a plain hostname[:port], so no redirect_uri can be built from it. Use an absolute callbackURL in production.`;
}
