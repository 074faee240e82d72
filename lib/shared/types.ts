/** Passport's "done" callback for verify functions. */
export type VerifyCallback = (err?: Error | null | unknown, user?: Express.User | false, info?: object) => void;

/** Why a login failed without being an error (the `info` given to `fail`). */
export type WeChatFailureReason =
  | 'access_denied'
  | 'invalid_code'
  | 'snapshot_user'
  | 'invalid_state'
  | 'invalid_request'
  /** A duplicate callback whose first request's instance stopped mid-login (status 503): start the login again. */
  | 'login_interrupted';

/** The `info` every strategy of this package hands to `fail`: a stable `message`, never a secret. */
export interface LoginFailureInfo {
  message: string;
  /** The upstream errcode, where one caused the failure. */
  errcode?: number;
  /** Human-readable detail (never contains a secret, code or token). */
  detail?: string;
}

export interface WeChatFailureInfo extends LoginFailureInfo {
  message: WeChatFailureReason;
  /** WeChat's errcode for `invalid_code` (40029, 40163 or 42003). */
  errcode?: number;
  /** Human-readable detail (never contains a secret, code or token). */
  detail?: string;
}
