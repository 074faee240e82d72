import type { Request } from 'express';
import type { AxiosInstance } from 'axios';
import { CodeLoginStrategy } from '../code/strategy.js';
import type { CallbackDeduplicator, CallbackOutcome } from '../coordination/dedupe.js';
import { constructorArguments } from '../shared/constructor-arguments.js';
import { envList } from '../shared/env.js';
import type { LoginFailureInfo, VerifyCallback } from '../shared/types.js';
import { codeErrorAsFailure } from '../sns/code-error.js';
import { TOKEN_PATH, WeChatOAuth2 } from '../sns/oauth2.js';
import { shouldSkipProfile, type SkipUserProfile } from '../sns/skip-profile.js';
import type { WeChatLang, WeChatProfile, WeChatTokenResponse } from '../sns/types.js';
import { fetchUserInfo, profileFromToken } from '../sns/userinfo.js';
import { callSnsVerify, profileAsUser, type SnsLogin } from '../sns/verify.js';
import { WeChatHttpClient } from '../transport/http.js';

export type WeChatAppProfile = WeChatProfile<'app'>;

export type AppVerifyFunction = (
  accessToken: string,
  refreshToken: string,
  profile: WeChatAppProfile,
  done: VerifyCallback,
) => void;
export type AppVerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string,
  params: WeChatTokenResponse,
  profile: WeChatAppProfile,
  done: VerifyCallback,
) => void;
export type AppVerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  profile: WeChatAppProfile,
  done: VerifyCallback,
) => void;
export type AppVerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  params: WeChatTokenResponse,
  profile: WeChatAppProfile,
  done: VerifyCallback,
) => void;

export interface WeChatAppStrategyOptionsBase {
  /** The Open Platform mobile app's appid (env `WECHAT_MOBILE_APP_ID`). */
  appID?: string | undefined;
  /** Env `WECHAT_MOBILE_APP_SECRET`. Never logged. */
  appSecret?: string | undefined;
  apiBaseURL?: string | readonly string[] | undefined;
  timeout?: number | undefined;
  httpClient?: AxiosInstance | undefined;
  /** `/sns/userinfo` language, default `zh_CN`. */
  lang?: WeChatLang | undefined;
  /** Skip `/sns/userinfo` (the profile is then built from the token response). */
  skipUserProfile?: SkipUserProfile;
  /**
   * Default `true`: only `Content-Type: application/json` posts are read. A
   * cross-site HTML form cannot send JSON without a CORS preflight, so another
   * site cannot log a browser in with its own code (login CSRF). Turn it off
   * only for an endpoint no browser session depends on.
   */
  jsonOnly?: boolean | undefined;
  deduplicator?: CallbackDeduplicator | undefined;
  /** Default `'wechat-app'`. */
  name?: string | undefined;
}

export interface WeChatAppStrategyOptions extends WeChatAppStrategyOptionsBase {
  passReqToCallback?: false | undefined;
}

export interface WeChatAppStrategyOptionsWithRequest extends WeChatAppStrategyOptionsBase {
  passReqToCallback: true;
}

/** What verify gets, as plain JSON a duplicate on another instance can replay (sealed by a shared deduplicator). */
type AppLogin = SnsLogin<'app'>;

type AnyVerify =
  | AppVerifyFunction
  | AppVerifyFunctionWithParams
  | AppVerifyFunctionWithRequest
  | AppVerifyFunctionWithRequestAndParams;

/**
 * Passport strategy for native-app login (移动应用): the OpenSDK's SendAuth
 * hands the app a code, the app posts it here, and the server redeems it at
 * `/sns/oauth2/access_token` with the mobile appid, then reads
 * `/sns/userinfo` (SendAuth's scope is always snsapi_userinfo;
 * miniprogram-protocol.md §6). Same errcode mapping, verify forms and
 * single-exchange rule as `WeChatStrategy`.
 */
export class WeChatAppStrategy extends CodeLoginStrategy<AppLogin> {
  readonly appID: string;
  readonly #oauth2: WeChatOAuth2;
  readonly #http: WeChatHttpClient;
  readonly #lang: WeChatLang;
  readonly #skip: WeChatAppStrategyOptionsBase['skipUserProfile'];
  readonly #jsonOnly: boolean;
  readonly #verify: AnyVerify;
  readonly #passReqToCallback: boolean;

  constructor();
  constructor(verify: AppVerifyFunction);
  constructor(verify: AppVerifyFunctionWithParams);
  constructor(options: WeChatAppStrategyOptions, verify?: AppVerifyFunction);
  constructor(options: WeChatAppStrategyOptionsWithRequest, verify: AppVerifyFunctionWithRequest);
  constructor(options: WeChatAppStrategyOptions, verify: AppVerifyFunctionWithParams);
  constructor(options: WeChatAppStrategyOptionsWithRequest, verify: AppVerifyFunctionWithRequestAndParams);
  constructor(optionsOrVerify?: WeChatAppStrategyOptionsBase | AnyVerify, maybeVerify?: AnyVerify) {
    const { options, verify } = constructorArguments<
      WeChatAppStrategyOptionsBase & { passReqToCallback?: boolean },
      AnyVerify
    >('WeChatAppStrategy', '{ appID, appSecret }', optionsOrVerify, maybeVerify);
    super(options.name ?? 'wechat-app', options.deduplicator, 'app');
    const env = process.env;
    const appID = options.appID ?? env.WECHAT_MOBILE_APP_ID;
    const appSecret = options.appSecret ?? env.WECHAT_MOBILE_APP_SECRET;
    if (!appID)
      throw new TypeError(
        'WeChatAppStrategy requires options.appID (or the WECHAT_MOBILE_APP_ID environment variable)',
      );
    if (!appSecret)
      throw new TypeError(
        'WeChatAppStrategy requires options.appSecret (or the WECHAT_MOBILE_APP_SECRET environment variable)',
      );
    this.appID = appID;
    this.#http = new WeChatHttpClient({
      apiBaseURL: options.apiBaseURL ?? envList(env.WECHAT_API_BASE_URL),
      timeout: options.timeout,
      httpClient: options.httpClient,
    });
    this.#oauth2 = new WeChatOAuth2(appID, appSecret, '', '', this.#http.apiBaseURLs[0] + TOKEN_PATH);
    this.#oauth2.wechat = this.#http;
    this.#lang = options.lang ?? 'zh_CN';
    this.#skip = options.skipUserProfile;
    this.#jsonOnly = options.jsonOnly ?? true;
    this.#verify = verify ?? profileAsUser;
    this.#passReqToCallback = options.passReqToCallback === true;
  }

  override authenticate(req: Request): void {
    if (this.shared.#jsonOnly && !isJSON(req)) {
      return this.fail(
        {
          message: 'invalid_request',
          detail: 'Send the code as JSON (Content-Type: application/json).',
        } satisfies LoginFailureInfo,
        415,
      );
    }
    super.authenticate(req);
  }

  protected dedupeParts(code: string): string[] {
    return ['app', this.appID, code];
  }

  protected async redeem(code: string): Promise<AppLogin> {
    const self = this.shared;
    const token = await self.#oauth2.exchangeCode(code);
    const { access_token: accessToken, refresh_token: refreshToken } = token;
    const source = { appID: this.appID, client: 'app' as const };
    const profile =
      (await shouldSkipProfile(self.#skip, accessToken)) || token.scope === 'snsapi_base'
        ? profileFromToken(source, token)
        : await fetchUserInfo(self.#http, source, token, self.#lang);
    return { accessToken, refreshToken, params: token, profile };
  }

  /** passport-oauth2's verify arities: (req?, accessToken, refreshToken, params?, profile, done). */
  protected runVerify(req: Request, login: AppLogin, done: VerifyCallback): void {
    callSnsVerify(this.shared.#verify, this.shared.#passReqToCallback, req, login, done);
  }

  /** A bad, reused or expired code is the user's to retry (`invalid_code`, 400), as in `WeChatStrategy`. */
  protected outcomeOfError(err: unknown): CallbackOutcome {
    const failure = codeErrorAsFailure(err);
    if (failure) return { kind: 'fail', ...failure };
    return { kind: 'error', error: err instanceof Error ? err : new Error(String(err)) };
  }
}

function isJSON(req: Request): boolean {
  const type = req.headers?.['content-type'];
  return typeof type === 'string' && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type);
}
