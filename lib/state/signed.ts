import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { WeChatConfigError } from '../transport/errors.js';
import { cookieAdvice, readCookie, setCookie } from './cookies.js';
import { randomAlphanumeric } from './random.js';
import { MemorySeenStore, type SeenStore } from './seen.js';
import {
  invalidState,
  type StateMeta,
  type StoreCallback,
  type VerifyStateCallback,
  type WeChatStateStore,
} from './types.js';

export interface SignedStateStoreOptions {
  /** HMAC key: at least 32 characters of randomness, the same on every instance. */
  secret: string | Buffer;
  /** Lifetime of a state in ms (default 10 minutes, the website code lifetime, wechat-protocol.md §2.2). */
  maxAge?: number;
  /**
   * Bind the state to the browser that started the login (default `true`), via
   * a short-lived httpOnly SameSite=Lax nonce cookie whose hash is signed into
   * the state. `false` is for WeChat's in-app browser when it loses cookies
   * between the redirect and the callback; it then CANNOT stop login CSRF (an
   * attacker's own code and state delivered to a victim would log the victim
   * in as the attacker).
   */
  bindToBrowser?: boolean;
  /** Where consumed states are remembered (default: in-process, bounded). Share it across instances. */
  seen?: SeenStore;
  /** Name of the binding cookie (default `wechat_login_nonce`). */
  cookieName?: string;
}

const EXPIRY_LENGTH = 7; // base36 seconds since the epoch, good until year 4453
const ID_LENGTH = 16;
const MAC_LENGTH = 32; // hex: 128 bits of HMAC-SHA256
const NONCE_LENGTH = 32;

/**
 * A state store that needs no server-side session: the state itself is an
 * HMAC-signed, expiring token of `[A-Za-z0-9]` (55 characters, within
 * WeChat's 128, §1.2). Signed into it: its expiry, a random id, the appid it
 * was issued for (so the mp/web tag cannot be flipped), and the hash of the
 * browser's nonce cookie. Each state is accepted once (see {@link SeenStore}).
 */
export class SignedStateStore implements WeChatStateStore {
  /** The HMAC key: #private, so util.inspect, console.log and JSON.stringify of the store cannot print it. */
  readonly #secret: Buffer;
  private readonly maxAge: number;
  private readonly bindToBrowser: boolean;
  private readonly seen: SeenStore;
  readonly cookieName: string;

  constructor(options: SignedStateStoreOptions) {
    if (
      !options ||
      (typeof options.secret !== 'string' && !Buffer.isBuffer(options.secret)) ||
      options.secret.length < 16
    ) {
      throw new TypeError(
        'SignedStateStore requires options.secret: a random string of at least 16 (better 32) characters, the same on every instance',
      );
    }
    this.#secret = Buffer.from(options.secret);
    this.maxAge = options.maxAge ?? 10 * 60 * 1000;
    this.bindToBrowser = options.bindToBrowser ?? true;
    this.seen = options.seen ?? new MemorySeenStore();
    this.cookieName = options.cookieName ?? 'wechat_login_nonce';
  }

  store(req: Request, _appState: unknown, meta: StateMeta, callback: StoreCallback): void {
    let nonce = '';
    if (this.bindToBrowser) {
      // Reuse the browser's nonce, so logins started in two tabs both verify.
      const existing = readCookie(req, this.cookieName);
      nonce = existing && /^[A-Za-z0-9]{32}$/.test(existing) ? existing : randomAlphanumeric(NONCE_LENGTH);
      if (!setCookie(req, this.cookieName, nonce, Math.ceil(this.maxAge / 1000))) {
        return callback(
          new WeChatConfigError(
            `SignedStateStore could not set its browser-binding cookie: ${cookieAdvice(req)}. (bindToBrowser: false also avoids it, but cannot stop login CSRF.)`,
          ),
        );
      }
    }
    const expiry = Math.floor((Date.now() + this.maxAge) / 1000)
      .toString(36)
      .padStart(EXPIRY_LENGTH, '0');
    const id = randomAlphanumeric(ID_LENGTH);
    callback(null, expiry + id + this.mac(expiry, id, meta.clientID, nonce));
  }

  verify(req: Request, providedState: string, meta: StateMeta, callback: VerifyStateCallback): void {
    if (!/^[0-9a-z]{7}[A-Za-z0-9]{16}[0-9a-f]{32}$/.test(providedState)) {
      return callback(null, false, invalidState('The state is malformed: it was not issued by this app.'));
    }
    const expiry = providedState.slice(0, EXPIRY_LENGTH);
    const id = providedState.slice(EXPIRY_LENGTH, EXPIRY_LENGTH + ID_LENGTH);
    const mac = providedState.slice(EXPIRY_LENGTH + ID_LENGTH);
    const nonce = this.bindToBrowser ? (readCookie(req, this.cookieName) ?? '') : '';
    if (this.bindToBrowser && !nonce) {
      return callback(
        null,
        false,
        invalidState('This login was started in another browser, or the browser dropped its login cookie.'),
      );
    }
    if (!safeEqual(mac, this.mac(expiry, id, meta.clientID, nonce))) {
      return callback(
        null,
        false,
        invalidState(
          this.bindToBrowser
            ? 'The state does not verify: it was tampered with, signed with another secret, or started in another browser.'
            : 'The state does not verify: it was tampered with or signed with another secret.',
        ),
      );
    }
    const expiresAt = parseInt(expiry, 36) * 1000;
    if (expiresAt < Date.now())
      return callback(null, false, invalidState('The login took too long: its state expired. Please start again.'));
    Promise.resolve(this.seen.add(id, expiresAt - Date.now() + 1000)).then(
      (fresh) => (fresh ? callback(null, true) : callback(null, false, invalidState('This state was already used.'))),
      (err: Error) => callback(err, false),
    );
  }

  /** Identifies the browser for WeChat's double-callback handling: the hash of its nonce cookie. */
  browserKey(req: Request): string | undefined {
    const nonce = this.bindToBrowser ? readCookie(req, this.cookieName) : undefined;
    return nonce ? hashNonce(nonce) : undefined;
  }

  private mac(expiry: string, id: string, appID: string, nonce: string): string {
    const nonceHash = nonce ? hashNonce(nonce) : '-';
    return createHmac('sha256', this.#secret)
      .update(`wechat-state.v1|${expiry}|${id}|${appID}|${nonceHash}`)
      .digest('hex')
      .slice(0, MAC_LENGTH);
  }
}

/** What is signed into the state and keys the double-callback check: the nonce itself never leaves the cookie. */
function hashNonce(nonce: string): string {
  return createHash('sha256').update(nonce).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
