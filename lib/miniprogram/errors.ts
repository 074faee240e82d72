/** Stable codes of {@link WeChatMiniProgramError}, for apps to branch on. */
export type WeChatMiniProgramErrorCode =
  /** The server holds no session_key for this openid (never logged in here, evicted, or another instance's memory). */
  | 'no_session_key'
  /** The encryptedData does not decrypt under the stored session_key (WeChat's -41003; miniprogram-protocol.md §2.4). */
  | 'invalid_data'
  /** The data decrypted, but its watermark names another appid (§3.2). */
  | 'watermark_mismatch'
  /** A phone-number code WeChat refused: unknown, expired (5 min from the tap) or already used (§4.2). */
  | 'invalid_phone_code'
  /** An argument is missing or not a string. */
  | 'invalid_request';

const STATUS: Readonly<Record<WeChatMiniProgramErrorCode, number>> = {
  no_session_key: 401,
  invalid_data: 400,
  watermark_mismatch: 400,
  invalid_phone_code: 400,
  invalid_request: 400,
};

/**
 * An open-data or phone-number helper could not do its job for a reason the
 * Mini Program can act on (log in again, fetch the data again, tap the button
 * again). The message says what to do; it never holds the session_key, the
 * data, a code or a token.
 */
export class WeChatMiniProgramError extends Error {
  readonly code: WeChatMiniProgramErrorCode;
  /** An HTTP status an app may answer with. */
  readonly status: number;
  /** WeChat's errcode, when WeChat refused (e.g. 40029 for a phone code). */
  readonly errcode?: number;

  constructor(code: WeChatMiniProgramErrorCode, message: string, errcode?: number) {
    super(message);
    this.name = 'WeChatMiniProgramError';
    this.code = code;
    this.status = STATUS[code];
    if (errcode !== undefined) this.errcode = errcode;
    Error.captureStackTrace?.(this, WeChatMiniProgramError);
  }
}
