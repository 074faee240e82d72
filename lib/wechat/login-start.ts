import type { Request } from 'express';
import { relativeCallbackProblem } from '../redirect/callback-url.js';
import type { WeChatClient, WeChatClientOption, WeChatScope } from '../sns/types.js';
import { WeChatConfigError } from '../transport/errors.js';
import { SCOPES } from './config.js';
import { isInsideWeChat } from './surface.js';
import type { WeChatAuthenticateOptions } from './types.js';

/** What the start of one login needs to know about the strategy. */
export interface StartContext {
  defaultClient: WeChatClientOption;
  defaultScopes: Record<WeChatClient, WeChatScope[]>;
  /** The apps with credentials (the strategy's OAuth2 clients). */
  clients: Partial<Record<WeChatClient, unknown>>;
  callbackURL: string | undefined;
  trustProxy: boolean;
}

/**
 * Picks the app (mp or web) and scope for a login being started, or says
 * which configuration stops it: a missing app, a missing or unsafe
 * callbackURL, a scope the app cannot ask for.
 */
export function planLoginStart(
  req: Request,
  options: WeChatAuthenticateOptions,
  context: StartContext,
): { client: WeChatClient; scope: string } | WeChatConfigError {
  const requested = options.client ?? context.defaultClient;
  const client: WeChatClient = requested === 'auto' ? (isInsideWeChat(req) ? 'mp' : 'web') : requested;
  if (!context.clients[client]) {
    return new WeChatConfigError(
      `WeChatStrategy: a ${client === 'mp' ? 'Official Account (mp)' : 'website app (web)'} login was asked for, but no credentials for it are configured: set ${client === 'mp' ? 'options.appID/appSecret (WECHAT_APP_ID/WECHAT_APP_SECRET)' : 'options.web.appID/appSecret (WECHAT_WEB_APP_ID/WECHAT_WEB_APP_SECRET)'}.`,
    );
  }
  if (!context.callbackURL) {
    return new WeChatConfigError(
      'WeChatStrategy: callbackURL is required (options.callbackURL or WECHAT_CALLBACK_URL): WeChat redirects the user there.',
    );
  }
  // A relative callbackURL was resolved against request headers: only a plain host may build the redirect_uri.
  const unsafeCallback = relativeCallbackProblem(req, context.callbackURL, context.trustProxy);
  if (unsafeCallback) return new WeChatConfigError(unsafeCallback);
  const scope = scopeFor(context.defaultScopes, client, options.scope, requested === 'auto');
  if (!scope) {
    return new WeChatConfigError(
      `WeChatStrategy: scope ${JSON.stringify(options.scope)} is not valid for client '${client}' (allowed: ${SCOPES[client].join(', ')}).`,
    );
  }
  return { client, scope };
}

function scopeFor(
  defaults: Record<WeChatClient, WeChatScope[]>,
  client: WeChatClient,
  requested: WeChatAuthenticateOptions['scope'],
  automatic: boolean,
): string | undefined {
  const scopes = requested === undefined ? defaults[client] : [requested].flat();
  if (scopes.length > 0 && scopes.every((s) => SCOPES[client].includes(s))) return scopes.join(',');
  // `auto` chose the surface; a per-request scope meant for the other one gives way to this one's default.
  return automatic ? defaults[client].join(',') : undefined;
}
