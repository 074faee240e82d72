import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Authenticated encryption (AES-256-GCM) for what a shared store holds that
 * could log someone in or decrypt a user's data: a duplicate callback's token
 * response and profile, a Mini Program session_key. The key is derived from a
 * secret the app passes in and lives in a #private field, so neither
 * `util.inspect` nor `JSON.stringify` of the owner can print it.
 */
export class Sealer {
  readonly #key: Buffer;

  constructor(secret: string | Buffer, purpose: string) {
    if ((typeof secret !== 'string' && !Buffer.isBuffer(secret)) || secret.length < 32) {
      throw new TypeError(
        `${purpose}: options.secret must be at least 32 characters of randomness, the same on every instance`,
      );
    }
    this.#key = createHash('sha256').update(`passport-wechat-oauth2 seal v1\0${purpose}\0`).update(secret).digest();
  }

  /** `base64url(iv | tag | ciphertext)`. */
  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The plain text, or `undefined` when the box was not sealed with this key or was tampered with. */
  open(sealed: string): string | undefined {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
