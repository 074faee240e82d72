import { existsSync } from 'node:fs';

/** Debian's Chromium; CHROMIUM_PATH overrides it (e.g. to check the skip rule). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Flags for a headless Chromium on a machine with no network but loopback (toolchain.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const hasBrowser = existsSync(CHROMIUM);

/**
 * Inside a describe block: a `describe` for the Chromium tests, or, without
 * Chromium, `describe.skip` after a notice. With REQUIRE_BROWSER=1 a missing
 * browser is a failing test instead, so CI can never pass by skipping.
 */
export function describeWithChromium(what: string): jest.Describe {
  if (!hasBrowser) {
    if (process.env.REQUIRE_BROWSER === '1') {
      it('needs Chromium (REQUIRE_BROWSER=1)', () => {
        throw new Error(
          `REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`,
        );
      });
    } else {
      console.warn(
        `SKIPPED: ${what} — ${CHROMIUM} is missing (apt-get install chromium). Set REQUIRE_BROWSER=1 to make this a failure.`,
      );
    }
  }
  return hasBrowser ? describe : describe.skip;
}
