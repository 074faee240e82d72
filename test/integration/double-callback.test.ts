import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { SignedStateStore } from '../../lib';
import { Browser, startLoginApp, tokenExchanges } from '../helpers/login-app';

let mock: MockWeChat;
beforeAll(async () => {
  mock = await createMockWeChat();
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
