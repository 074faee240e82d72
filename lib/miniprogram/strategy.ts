import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import { STALE_TOKEN_ERRCODES, WeChatAccessTokenManager } from '../tokens/wechat.js';
import { CodeLoginStrategy } from '../code/strategy.js';
import type { CallbackOutcome } from '../coordination/dedupe.js';
import { CODE_ERRCODES, WeChatAPIError } from '../transport/errors.js';
import { WeChatHttpClient } from '../transport/http.js';
import { envList } from '../shared/env.js';
import { constructorArguments } from '../shared/constructor-arguments.js';
import type { VerifyCallback } from '../shared/types.js';
import { WeChatMiniProgramError } from './errors.js';
import { decryptOpenData, rawDataSignatureMatches } from './open-data.js';
import { MemorySessionKeyStore, type SessionKeyStore } from './session-keys.js';
import type {
  MiniProgramVerifyFunction,
  MiniProgramVerifyFunctionWithRequest,
  WeChatMiniProgramFailureInfo,
  WeChatMiniProgramProfile,
  WeChatMiniProgramStrategyOptions,
  WeChatMiniProgramStrategyOptionsBase,
  WeChatMiniProgramStrategyOptionsWithRequest,
  WeChatPhoneNumber,
} from './types.js';

export const JSCODE2SESSION_PATH = '/sns/jscode2session';
const CHECK_SESSION_PATH = '/wxa/checksession';
const PHONE_PATH = '/wxa/business/getuserphonenumber';
/** A user's code was blocked as high-risk (miniprogram-protocol.md §1): terminal, not retryable. */
const BLOCKED = 40226;
/** WeChat's per-user minute quota (§1): retry after a minute. */
const MINUTE_QUOTA = 45011;

type AnyVerify = MiniProgramVerifyFunction | MiniProgramVerifyFunctionWithRequest;

/**
 * Passport strategy for Mini Program login (`wx.login` → `code` →
 * `/sns/jscode2session`). The session_key stays on the server, in
 * `sessionKeyStore`; the helpers below use it for open data.
 *
 * `app.post('/auth/wechat/miniprogram', express.json(), passport.authenticate('wechat-miniprogram', { session: false }), handler)`
 */
export class WeChatMiniProgramStrategy extends CodeLoginStrategy<WeChatMiniProgramProfile> {
  readonly appID: string;
  readonly #appSecret: string;
  readonly #http: WeChatHttpClient;
  readonly #sessionKeys: SessionKeyStore;
  readonly #verify: AnyVerify;
  readonly #passReqToCallback: boolean;
  /** The server access token of this Mini Program (checkSessionKey, getPhoneNumber). */
  readonly accessTokens: WeChatAccessTokenManager;

  constructor();
  constructor(verify: MiniProgramVerifyFunction);
  constructor(options: WeChatMiniProgramStrategyOptions, verify?: MiniProgramVerifyFunction);
  constructor(options: WeChatMiniProgramStrategyOptionsWithRequest, verify: MiniProgramVerifyFunctionWithRequest);
  constructor(optionsOrVerify?: WeChatMiniProgramStrategyOptionsBase | AnyVerify, maybeVerify?: AnyVerify) {
    const { options, verify } = constructorArguments<WeChatMiniProgramStrategyOptionsBase, AnyVerify>(
      'WeChatMiniProgramStrategy',
      '{ appID, appSecret }',
      optionsOrVerify,
      maybeVerify,
    );
    super(options.name ?? 'wechat-miniprogram', options.deduplicator, 'miniprogram');
    const env = process.env;
    const appID = options.appID ?? env.WECHAT_MINIPROGRAM_APP_ID;
    const appSecret = options.appSecret ?? env.WECHAT_MINIPROGRAM_APP_SECRET;
    if (!appID)
      throw new TypeError(
        'WeChatMiniProgramStrategy requires options.appID (or the WECHAT_MINIPROGRAM_APP_ID environment variable)',
      );
    if (!appSecret)
      throw new TypeError(
        'WeChatMiniProgramStrategy requires options.appSecret (or the WECHAT_MINIPROGRAM_APP_SECRET environment variable)',
      );
    this.appID = appID;
    this.#appSecret = appSecret;
    const apiBaseURL = options.apiBaseURL ?? envList(env.WECHAT_API_BASE_URL);
    this.#http = new WeChatHttpClient({ apiBaseURL, timeout: options.timeout, httpClient: options.httpClient });
    this.#sessionKeys = options.sessionKeyStore ?? new MemorySessionKeyStore();
    this.accessTokens =
      options.accessTokens ??
      new WeChatAccessTokenManager({
        appID,
        appSecret,
        apiBaseURL,
        timeout: options.timeout,
        httpClient: options.httpClient,
      });
    this.#verify = verify ?? defaultVerify;
    this.#passReqToCallback = (options as { passReqToCallback?: boolean }).passReqToCallback === true;
  }

  protected dedupeParts(code: string): string[] {
    return ['miniprogram', this.appID, code];
  }

  /** `jscode2session`, then the session_key into the store; the profile keeps only the ids. */
  protected async redeem(code: string): Promise<WeChatMiniProgramProfile> {
    const self = this.shared;
    const { json } = await self.#http.get<Record<string, unknown>>(
      JSCODE2SESSION_PATH,
      { appid: this.appID, secret: self.#appSecret, js_code: code, grant_type: 'authorization_code' },
      { redeemsCode: true },
    );
    const { openid, unionid, session_key: sessionKey } = json;
    if (typeof openid !== 'string' || openid === '' || typeof sessionKey !== 'string' || sessionKey === '') {
      throw new WeChatAPIError(-1, 'the answer has no openid or session_key', JSCODE2SESSION_PATH);
    }
    await self.#sessionKeys.set(this.appID, openid, sessionKey);
    const session = typeof unionid === 'string' && unionid !== '' ? { openid, unionid } : { openid };
    return { provider: 'wechat', id: openid, ...session, appID: this.appID, client: 'miniprogram', _json: session };
  }

  protected runVerify(req: Request, profile: WeChatMiniProgramProfile, done: VerifyCallback): void {
    const self = this.shared;
    if (self.#passReqToCallback) (self.#verify as MiniProgramVerifyFunctionWithRequest)(req, profile, done);
    else (self.#verify as MiniProgramVerifyFunction)(profile, done);
  }

  /** The outcomes table of the README (miniprogram-protocol.md §1). */
  protected outcomeOfError(err: unknown): CallbackOutcome {
    if (err instanceof WeChatAPIError) {
      if (CODE_ERRCODES.has(err.errcode)) {
        return {
          kind: 'fail',
          challenge: { message: 'invalid_code', errcode: err.errcode } satisfies WeChatMiniProgramFailureInfo,
          status: 400,
        };
      }
      if (err.errcode === BLOCKED) {
        return {
          kind: 'fail',
          challenge: { message: 'user_blocked', errcode: BLOCKED } satisfies WeChatMiniProgramFailureInfo,
          status: 403,
        };
      }
      if (err.errcode === MINUTE_QUOTA)
        return { kind: 'error', error: new WeChatAPIError(err.errcode, err.errmsg, err.endpoint, { retryable: true }) };
    }
    return { kind: 'error', error: err instanceof Error ? err : new Error(String(err)) };
  }

  /**
   * Decrypts open data (`encryptedData` + `iv` from the Mini Program) with the
   * stored session_key and checks its watermark. Throws
   * `WeChatMiniProgramError` `no_session_key`, `invalid_data` (WeChat's
   * -41003: the key changed since the data was made; §2.4) or `watermark_mismatch`.
   */
  async decryptData(openid: string, encryptedData: string, iv: string): Promise<Record<string, unknown>> {
    requireStrings('decryptData', { openid, encryptedData, iv });
    return decryptOpenData(await this.#sessionKeyOf(openid), this.appID, encryptedData, iv);
  }

  /** `rawData` + `signature` from `getUserInfo`: `sha1(rawData + session_key)`, compared in constant time (§3.3). */
  async verifyRawData(openid: string, rawData: string, signature: string): Promise<boolean> {
    requireStrings('verifyRawData', { openid, rawData, signature });
    return rawDataSignatureMatches(await this.#sessionKeyOf(openid), rawData, signature);
  }

  /**
   * Whether WeChat still takes the stored session_key (`/wxa/checksession`):
   * the signature is HMAC-SHA256 keyed by the session_key's base64 *text*
   * over the empty string (§2.2). Any errcode but a stale access token is `false`.
   */
  async checkSessionKey(openid: string): Promise<boolean> {
    requireStrings('checkSessionKey', { openid });
    const signature = createHmac('sha256', await this.#sessionKeyOf(openid))
      .update('')
      .digest('hex');
    try {
      await this.accessTokens.withAccessToken((token) =>
        this.#http.get(CHECK_SESSION_PATH, { access_token: token, signature, openid, sig_method: 'hmac_sha256' }),
      );
      return true;
    } catch (err) {
      // 87009 is a dead or wrong key; WeChat documents no other answer for an expired one (§2.2).
      if (
        err instanceof WeChatAPIError &&
        err.endpoint === CHECK_SESSION_PATH &&
        !err.retryable &&
        !STALE_TOKEN_ERRCODES.has(err.errcode)
      )
        return false;
      throw err;
    }
  }

  /**
   * The phone number behind a `getPhoneNumber` button code (§4.2), with the
   * managed access token. An unknown, expired or used code is a
   * `WeChatMiniProgramError` `invalid_phone_code` (status 400), not a 500.
   */
  async getPhoneNumber(phoneCode: string): Promise<WeChatPhoneNumber> {
    requireStrings('getPhoneNumber', { phoneCode });
    let json: { phone_info?: Record<string, unknown> };
    try {
      ({ json } = await this.accessTokens.withAccessToken((token) =>
        this.#http.post<{ phone_info?: Record<string, unknown> }>(
          PHONE_PATH,
          { access_token: token },
          { code: phoneCode },
        ),
      ));
    } catch (err) {
      if (err instanceof WeChatAPIError && err.errcode === 40029) {
        throw new WeChatMiniProgramError(
          'invalid_phone_code',
          'getPhoneNumber: WeChat refused the phone code (unknown, older than 5 minutes, or already used); ask the user to tap the button again',
          err.errcode,
        );
      }
      throw err;
    }
    const info = json.phone_info;
    if (!info || typeof info.phoneNumber !== 'string' || typeof info.purePhoneNumber !== 'string') {
      throw new WeChatAPIError(-1, 'the answer has no phone_info', PHONE_PATH);
    }
    const countryCode = info.countryCode;
    return {
      phoneNumber: info.phoneNumber,
      purePhoneNumber: info.purePhoneNumber,
      countryCode: typeof countryCode === 'number' || typeof countryCode === 'string' ? String(countryCode) : '',
    };
  }

  async #sessionKeyOf(openid: string): Promise<string> {
    const key = await this.#sessionKeys.get(this.appID, openid);
    if (!key)
      throw new WeChatMiniProgramError(
        'no_session_key',
        'No session_key is stored for this user: log in through the Mini Program (wx.login) first',
      );
    return key;
  }
}

function requireStrings(helper: string, args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) {
    if (typeof value !== 'string' || value === '')
      throw new WeChatMiniProgramError('invalid_request', `${helper}: ${name} must be a non-empty string`);
  }
}

function defaultVerify(profile: WeChatMiniProgramProfile, done: VerifyCallback): void {
  done(null, profile as unknown as Express.User);
}
