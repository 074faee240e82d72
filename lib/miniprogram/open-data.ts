/**
 * Open data of the Mini Program (miniprogram-protocol.md §3): pure crypto, no
 * I/O. The strategy's helpers look the session_key up and call these.
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { WeChatMiniProgramError } from './errors.js';

/** What to tell the Mini Program when data does not decrypt (§2.4): a new login cannot rescue old ciphertext. */
const REACQUIRE =
  'the session_key changed since the Mini Program got this data (a later wx.login, another device) or the data was altered; run wx.login, then get the encrypted data again';

const BASE64_16 = /^[A-Za-z0-9+/]{22}==$/;

/**
 * AES-128-CBC / PKCS#7 with key = base64-decoded session_key and iv = the
 * base64-decoded iv, then JSON, then `watermark.appid === appID` (§3.1, §3.2).
 * A form body that turned `+` into a space (§2.4, cause 3) fails as `invalid_data`.
 */
export function decryptOpenData(
  sessionKey: string,
  appID: string,
  encryptedData: string,
  iv: string,
): Record<string, unknown> {
  if (!BASE64_16.test(iv))
    throw new WeChatMiniProgramError(
      'invalid_data',
      `decryptData: iv must be the 24-character base64 text the Mini Program received; ${REACQUIRE}`,
    );
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new WeChatMiniProgramError(
      'invalid_data',
      `decryptData: the data does not decrypt with the stored session_key: ${REACQUIRE}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(plain);
  } catch {
    data = undefined;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new WeChatMiniProgramError(
      'invalid_data',
      `decryptData: the decrypted data is not a JSON object: ${REACQUIRE}`,
    );
  }
  const watermark = (data as { watermark?: { appid?: unknown } }).watermark;
  if (watermark?.appid !== appID) {
    throw new WeChatMiniProgramError(
      'watermark_mismatch',
      "decryptData: the data's watermark names another appid; it was not produced for this Mini Program",
    );
  }
  return data as Record<string, unknown>;
}

/** `hex(sha1(rawData + session_key))` over the exact received string, compared in constant time (§3.3). */
export function rawDataSignatureMatches(sessionKey: string, rawData: string, signature: string): boolean {
  const expected = createHash('sha1')
    .update(rawData + sessionKey, 'utf8')
    .digest();
  const given = /^[0-9a-fA-F]{40}$/.test(signature) ? Buffer.from(signature, 'hex') : undefined;
  return given !== undefined && timingSafeEqual(expected, given);
}
