import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { MemoryDeduplicator, SignedStateStore } from '../../lib';
import { Browser, startLoginApp, tokenExchanges } from '../helpers/login-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let mock: MockWeChat;
beforeAll(async () => {
  // 'slow' answers hold a token exchange in flight for 600 ms.
  mock = await createMockWeChat({ slowMs: 600 });
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.reset();
  mock.setAutoConsent({ user: 'alice', decision: 'allow' });
});

const STORES: Array<[string, () => SignedStateStore | undefined]> = [
  ['the session state store', () => undefined],
  ['SignedStateStore', () => new SignedStateStore({ secret: 'double-callback-test-secret-0123' })],
];

describe.each(STORES)("WeChat's double callback with %s", (_name, makeStore) => {
  let app: Awaited<ReturnType<typeof startLoginApp>>;
  beforeEach(async () => {
    app = await startLoginApp(mock, { store: makeStore() });
  });
  afterEach(() => app.close());

  it('two identical callbacks arriving together both end logged in as the same user, with one token exchange', async () => {
    const browser = new Browser();
    const callback = await browser.callbackURL(app.url);
    const [a, b] = await Promise.all([browser.get(callback), browser.get(callback)]);
    const alice = mock.openidOf('mp', 'alice');
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(((await a.json()) as { user: { openid: string } }).user.openid).toBe(alice);
    expect(((await b.json()) as { user: { openid: string } }).user.openid).toBe(alice);
    expect(await tokenExchanges(mock)).toBe(1);
    expect((await browser.me(app.url))?.openid).toBe(alice);
  });

  it('two identical callbacks back-to-back both end logged in, with one token exchange', async () => {
    const browser = new Browser();
    const callback = await browser.callbackURL(app.url);
    const first = await browser.get(callback);
    const second = await browser.get(callback);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(((await second.json()) as { user: { openid: string } }).user.openid).toBe(mock.openidOf('mp', 'alice'));
    expect(await tokenExchanges(mock)).toBe(1);
  });

  describe('a duplicate that carries the pre-login cookie (its first navigation was cancelled, so the first answer never landed)', () => {
    it('sent 1 ms after the first finished: ends logged in as the same user, with one token exchange', async () => {
      const browser = new Browser();
      const callback = await browser.callbackURL(app.url);
      const cancelledTab = browser.fork();
      expect((await browser.get(callback)).status).toBe(200);
      await sleep(1);
      const duplicate = await cancelledTab.get(callback);
      expect(duplicate.status).toBe(200);
      expect(((await duplicate.json()) as { user: { openid: string } }).user.openid).toBe(mock.openidOf('mp', 'alice'));
      expect((await cancelledTab.me(app.url))?.openid).toBe(mock.openidOf('mp', 'alice'));
      expect(await tokenExchanges(mock)).toBe(1);
    });

    it('sent while the first is still exchanging the code: joins it, with one token exchange', async () => {
      mock.setFault('/sns/oauth2/access_token', 'slow', 1);
      const browser = new Browser();
      const callback = await browser.callbackURL(app.url);
      const cancelledTab = browser.fork();
      const first = browser.get(callback);
      await sleep(100);
      const duplicate = await cancelledTab.get(callback);
      expect(duplicate.status).toBe(200);
      expect((await first).status).toBe(200);
      expect((await cancelledTab.me(app.url))?.openid).toBe(mock.openidOf('mp', 'alice'));
      expect(await tokenExchanges(mock)).toBe(1);
    });
  });

  it('the same callback URL replayed from another browser (no cookies) logs nobody in', async () => {
    const browser = new Browser();
    const callback = await browser.callbackURL(app.url);
    await browser.get(callback);
    const stranger = new Browser();
    const replay = await stranger.get(callback);
    expect(replay.status).toBe(401);
    expect(await stranger.me(app.url)).toBeNull();
    expect(await tokenExchanges(mock)).toBe(1);
  });

  it('the same callback URL replayed from another browser with its own cookies logs nobody in', async () => {
    const victim = new Browser();
    const callback = await victim.callbackURL(app.url);
    const other = new Browser();
    await other.get(`${app.url}/me`); // has its own session cookie
    await other.callbackURL(app.url); // and its own login nonce
    const replay = await other.get(callback);
    expect(replay.status).toBe(401);
    expect(await other.me(app.url)).toBeNull();
  });
});

describe('a second code for the same state (session store)', () => {
  it('does not log the user out', async () => {
    const app = await startLoginApp(mock);
    try {
      const browser = new Browser();
      const callback = await browser.callbackURL(app.url);
      expect((await browser.get(callback)).status).toBe(200);
      const url = new URL(callback);
      url.searchParams.set('code', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ');
      const second = await browser.get(url.toString());
      expect(second.status).toBe(200);
      expect((await browser.me(app.url))?.openid).toBe(mock.openidOf('mp', 'alice'));
      expect(await tokenExchanges(mock)).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe('junk callbacks and the duplicate memory', () => {
  // The bound is 8 here instead of the default 10,000, so that a flood of 40
  // requests (instead of 10,001) finishes while the real login is still in
  // flight: the rule under test is the same at any size.
  it('a flood of junk callbacks larger than the memory bound (no cookie, or cookies and a forged state) does not evict a login in flight', async () => {
    const app = await startLoginApp(mock, { strategy: { deduplicator: new MemoryDeduplicator({ maxEntries: 8 }) } });
    try {
      mock.setFault('/sns/oauth2/access_token', 'slow', 1);
      const browser = new Browser();
      const callback = await browser.callbackURL(app.url);
      const cancelledTab = browser.fork();
      const first = browser.get(callback);
      const junk = Array.from({ length: 40 }, async (_, i) => {
        const url = new URL(callback);
        url.searchParams.set('code', `JUNK${i}`.padEnd(32, 'x'));
        url.searchParams.set('state', `m${String(i).padStart(31, 'J')}`);
        const res = await fetch(url, { redirect: 'manual', headers: i % 2 ? { cookie: `connect.sid=junk${i}` } : {} });
        return res.status;
      });
      expect(await Promise.all(junk)).toEqual(Array(40).fill(401));
      const duplicate = await cancelledTab.get(callback);
      expect(duplicate.status).toBe(200);
      expect((await first).status).toBe(200);
      expect(await tokenExchanges(mock)).toBe(1);
    } finally {
      await app.close();
    }
  });
});
