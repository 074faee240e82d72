/**
 * WeCom (企业微信) login for a self-built app (自建应用): `WeComStrategy` with
 * `client: 'auto'` (inside WeCom, by its `wxwork` User-Agent, the in-client
 * login; elsewhere the browser login's QR page) and `profile: 'member'`
 * (name, department, position from `user/get`).
 *
 * Against the emulator (the in-process one, or a standalone one) by default,
 * or real WeCom with WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_AGENT_SECRET and
 * WECOM_CALLBACK_URL.
 */
import {
  WeComAccessTokenManager,
  WeComStrategy,
  type CallbackDeduplicator,
  type WeComProfile,
  type WeComStrategyOptions,
} from 'passport-wechat-oauth2';
import { RedisAccessTokenStore, type RedisClientLike } from 'passport-wechat-oauth2/redis';
import type { MockWeChat } from 'passport-wechat-oauth2/testing';
import type { WeComConfig, WeComCredentials } from './config';
import type { WeComUser } from './views';

/** The WeCom settings actually used: the configured ones, or the in-process emulator's. */
export function weComSettings(config: WeComConfig, mock: MockWeChat | undefined): WeComConfig {
  if (!mock) return config;
  const app: WeComCredentials = { ...mock.apps.wecom };
  return {
    ...config,
    app,
    authorizationURL: mock.wecom.authorizationURL,
    loginURL: mock.wecom.loginURL,
    apiBaseURL: mock.wecom.apiBaseURL,
  };
}

/** What the session keeps of a WeCom login (no token, code or user_ticket: the profile has none). */
export function weComUserFromProfile(profile: WeComProfile): WeComUser {
  return {
    provider: 'wecom',
    id: profile.id,
    corpID: profile.corpID,
    kind: profile.kind,
    ...(profile.userID ? { userID: profile.userID } : {}),
    ...(profile.openid ? { openid: profile.openid } : {}),
    client: profile.client,
    ...(profile.displayName ? { displayName: profile.displayName } : {}),
    ...(profile.department ? { department: profile.department } : {}),
    ...(profile.position ? { position: profile.position } : {}),
  };
}

export interface WeComStrategyDeps {
  settings: WeComConfig & { app: WeComCredentials };
  store?: WeComStrategyOptions['store'];
  trustProxy: boolean;
  /** With REDIS_URL: duplicate callbacks coordinated across instances, and one corp token for all of them. */
  redis?: { client: RedisClientLike; deduplicator: CallbackDeduplicator };
}

export function createWeComStrategy(deps: WeComStrategyDeps): WeComStrategy {
  const { settings, redis } = deps;
  const { corpID, agentID, agentSecret } = settings.app;
  return new WeComStrategy(
    {
      corpID,
      agentID,
      agentSecret,
      client: 'auto',
      profile: 'member',
      callbackURL: settings.callbackURL,
      ...(settings.authorizationURL ? { authorizationURL: settings.authorizationURL } : {}),
      ...(settings.loginURL ? { loginURL: settings.loginURL } : {}),
      ...(settings.apiBaseURL ? { apiBaseURL: settings.apiBaseURL } : {}),
      ...(deps.store ? { store: deps.store } : {}),
      ...(redis
        ? {
            deduplicator: redis.deduplicator,
            accessTokens: new WeComAccessTokenManager({
              corpID,
              agentID,
              agentSecret,
              apiBaseURL: settings.apiBaseURL,
              store: new RedisAccessTokenStore(redis.client, { prefix: 'wechat-example:' }),
            }),
          }
        : {}),
      proxy: deps.trustProxy,
    },
    (profile, done) => {
      // A real app would find or create its own account here, keyed by profile.id (corp + userid).
      done(null, weComUserFromProfile(profile) as unknown as Express.User);
    },
  );
}
