/**
 * Where to send the user after login: only paths on this site.
 *
 * An open redirect after login is a classic phishing aid, so `returnTo` is
 * accepted only when it is plainly a same-origin path: it starts with a single
 * `/`, has no backslash (browsers read `/\evil.com` as `//evil.com`), no
 * control characters or whitespace (a tab or newline inside `/\t/evil.com` is
 * dropped by URL parsers), and still resolves to this origin.
 */

/** The longest returnTo accepted (longer values are ignored, not truncated). */
export const MAX_RETURN_TO_LENGTH = 2048;

const PROBE_ORIGIN = 'http://return-to.invalid';

/** `value` if it is a safe same-origin path, else `undefined`. */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) return undefined;
  if (value[0] !== '/' || value[1] === '/') return undefined;
  // Backslashes, ASCII/C1 control characters and any whitespace (incl. U+2028, NBSP …).
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f-\u009f\s]/.test(value)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value, PROBE_ORIGIN);
  } catch {
    return undefined;
  }
  if (parsed.origin !== PROBE_ORIGIN) return undefined;
  return value;
}
