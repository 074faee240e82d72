/**
 * Property: whatever `code`, `state` and `error` a callback carries (huge,
 * unicode, invalid percent-encoding, repeated, prototype-polluting keys,
 * empty), the app never answers 5xx (the emulator is healthy), nothing
 * escapes as an unhandled rejection / uncaught exception, and the browser is
 * never logged in. Reproduce a failure with FUZZ_SEED=<seed printed below>.
 */
import fc from 'fast-check';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { Browser, startLoginApp, type LoginApp } from '../helpers/login-app';
import { trackUnhandled } from './helpers';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const NUM_RUNS = 2000;

let mock: MockWeChat;
let app: LoginApp;
const unhandled = trackUnhandled();

beforeAll(async () => {
  console.log(`fuzz seed: ${seed} (FUZZ_SEED=${seed} to reproduce)`);
  mock = await createMockWeChat();
  app = await startLoginApp(mock);
});
afterAll(async () => {
  await app?.close();
  await mock?.close();
  unhandled.stop();
});

/** Percent-encodes every UTF-8 byte (lone surrogates become U+FFFD rather than throwing). */
function encodeBytes(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

const hostileValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{32}$/) }, // looks like a real code
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('a', 'Z', '9', '爱', '😀', '%', '\u0000', '\ud800', '<', '"', '&'),
        fc.integer({ min: 1000, max: 8000 }),
      )
      .map(([c, n]) => c.repeat(Math.floor(n / Math.max(1, Buffer.byteLength(c))))),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'authdeny',
      'access_denied',
      'undefined',
      'null',
      '[object Object]',
      '__proto__',
      'constructor',
      'toString',
      '%zz',
      '%',
      '%00',
      '#frag',
      '0'.repeat(129),
    ),
  },
);

const key = fc.constantFrom(
  'code',
  'state',
  'error',
  'code[]',
  'state[0]',
  'code[a]',
  '__proto__',
  'constructor',
  'constructor[prototype][x]',
  '__proto__[code]',
  'hasOwnProperty',
  'toString',
  'error_description',
  'CODE',
  '',
);

/** How a pair is put on the wire. */
const encoding = fc.constantFrom('component', 'bytes', 'raw');

const pair = fc.tuple(key, hostileValue, encoding, fc.boolean());

/** Cases: a list of raw query pairs (repeats allowed), optionally using the currently valid state. */
const caseArb = fc.record({
  pairs: fc.array(pair, { minLength: 0, maxLength: 5 }),
  useValidState: fc.boolean(),
  validStateTwice: fc.boolean(),
});

function encodePart(s: string, how: string): string {
  if (how === 'bytes') return encodeBytes(s);
  if (how === 'raw') return s.replace(/[#\s]/g, (c) => encodeBytes(c)); // keep '&', '%', '=' hostile; fetch must still accept the URL
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeBytes(s);
  }
}

describe('callback query fuzz', () => {
  it(`never 5xx, never throws, never logs in (${NUM_RUNS} runs)`, async () => {
    const browser = new Browser();
    let validState: string | undefined;
    let n = 0;
    const statuses = new Map<number, number>();

    async function newLogin() {
      const res = await browser.get(`${app.url}/login`);
      await res.arrayBuffer();
      const location = res.headers.get('location') ?? '';
      validState = new URL(location).searchParams.get('state') ?? undefined;
      expect(validState).toBeTruthy();
    }

    async function assertLoggedOut() {
      expect(await browser.me(app.url)).toBeNull();
    }

    await fc.assert(
      fc.asyncProperty(caseArb, async ({ pairs, useValidState, validStateTwice }) => {
        // One real login started per 100 cases keeps valid states in the mix.
        if (n++ % 100 === 0) await newLogin();
        const parts = pairs.map(([k, v, how, noValue]) =>
          noValue && v === '' ? encodePart(k, how) : `${encodePart(k, how)}=${encodePart(v, how)}`,
        );
        if (useValidState && validState) {
          parts.push(`state=${validState}`);
          if (validStateTwice) parts.push(`state=${validState}`);
        }
        const url = `${app.url}/cb?${parts.join('&')}`;
        const res = await browser.get(url);
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`HTTP ${res.status} for ${url.slice(0, 300)}: ${text.slice(0, 300)}`);
        // The session keeps any login, so checking every 20 cases (and at the end) catches one.
        if (n % 20 === 0) await assertLoggedOut();
        expect(unhandled.seen).toEqual([]);
      }),
      { numRuns: NUM_RUNS, seed, endOnFailure: true },
    );
    await assertLoggedOut();
    await new Promise((r) => setImmediate(r));
    expect(unhandled.seen).toEqual([]);
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });

  it('a callback with ?error=<anything but access_denied> is a fail (4xx), not a server error', async () => {
    const browser = new Browser();
    const res = await browser.get(`${app.url}/cb?error=server_error`);
    await res.text();
    expect(res.status).toBeLessThan(500);
  });
});
