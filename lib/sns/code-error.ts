import type { WeChatFailureInfo } from '../shared/types.js';
import { WeChatAPIError } from '../transport/errors.js';

/**
 * A bad, reused or expired code (40029, 40163, 42003) is the user's to retry:
 * `fail({ message: 'invalid_code' }, 400)`, not a server error
 * (wechat-protocol.md §2.2). `undefined` for every other error.
 */
export function codeErrorAsFailure(err: unknown): { challenge: WeChatFailureInfo; status: number } | undefined {
  return err instanceof WeChatAPIError && err.isCodeError
    ? { challenge: { message: 'invalid_code', errcode: err.errcode, detail: err.message }, status: 400 }
    : undefined;
}
