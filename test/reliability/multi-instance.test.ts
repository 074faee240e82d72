/**
 * Two app instances behind one emulator: a login started on A may come back
 * on B (load balancer without sticky sessions).
 * - sessions in a shared Redis (express-session + connect-redis): B finds
 *   the state, logs the user in, and A sees the user;
 * - SignedStateStore with NO shared state storage (each instance its own
 *   memory session store): the signed state + nonce cookie are enough.
 * Needs /usr/bin/redis-server for the first part; skipped with a notice when
 * it is missing, unless REQUIRE_REDIS=1.
 */
import { createClient, type RedisClientType } from 'redis';
import { RedisStore } from 'connect-redis';
import { SignedStateStore } from '../../lib';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { Browser, startLoginApp, type LoginApp } from '../helpers/login-app';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';

let mock: MockWeChat;
beforeAll(async () => {
  mock = await createMockWeChat();
  mock.setAutoConsent({ user: 'bob', decision: 'allow' });
});
afterAll(async () => {
  await mock?.close();
});

/** The callback URL WeChat sent for a login started on `from`, re-pointed at `to`. */
function onInstance(callbackURL: string, to: string): string {
  const u = new URL(callbackURL);
  return to + u.pathname + u.search;
}

async function crossInstanceLogin(a: LoginApp, b: LoginApp) {
  const browser = new Browser();
  const cb = await browser.callbackURL(a.url);
  expect(cb.startsWith(a.url)).toBe(true);
  const res = await browser.get(onInstance(cb, b.url));
  const body = (await res.json()) as { user?: { openid: string } };
  return { browser, status: res.status, body };
}

describeWithRedis('multi-instance')('two instances sharing Redis sessions', () => {
  let redis: ThrowawayRedis | undefined;
  const clients: RedisClientType[] = [];
  let a: LoginApp;
  let b: LoginApp;

  beforeAll(async () => {
    redis = await startRedis();
    for (const _ of [0, 1]) {
      const client = createClient({ url: redis.url }) as RedisClientType;
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
    }
    // Same session secret and cookie name on both: they are one app, scaled out.
    a = await startLoginApp(mock, { sessionStore: new RedisStore({ client: clients[0], prefix: 'wx:' }) });
    b = await startLoginApp(mock, { sessionStore: new RedisStore({ client: clients[1], prefix: 'wx:' }) });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const c of clients) await c.quit().catch(() => undefined);
    redis?.stop();
  });

  it('login started on A, callback on B → success, and A sees the user', async () => {
    const { browser, status, body } = await crossInstanceLogin(a, b);
    expect(status).toBe(200);
    expect(body.user?.openid).toBe(mock.openidOf('mp', 'bob'));
    expect((await browser.me(a.url))?.openid).toBe(mock.openidOf('mp', 'bob'));
    expect((await clients[0].keys('wx:*')).length).toBeGreaterThan(0);
  });

  it('the same callback replayed on A by another browser does not log it in', async () => {
    const browser = new Browser();
    const cb = await browser.callbackURL(a.url);
    expect((await browser.get(onInstance(cb, b.url))).status).toBe(200);
    const stranger = new Browser();
    const replay = await stranger.get(onInstance(cb, a.url));
    expect(replay.status).toBe(401);
    expect(await stranger.me(a.url)).toBeNull();
  });

  it('several interleaved cross-instance logins all succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? crossInstanceLogin(a, b) : crossInstanceLogin(b, a))),
    );
    for (const r of results) expect(r.status).toBe(200);
  });
});

describe('two instances with SignedStateStore and no shared state storage', () => {
  let a: LoginApp;
  let b: LoginApp;
  const secret = 'multi-instance-signed-state-secret-0123456789';

  beforeAll(async () => {
    // Each instance: its own in-memory session store and its own seen-store.
    a = await startLoginApp(mock, { store: new SignedStateStore({ secret }) });
    b = await startLoginApp(mock, { store: new SignedStateStore({ secret }) });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('login started on A, callback on B → success', async () => {
    const { browser, status, body } = await crossInstanceLogin(a, b);
    expect(status).toBe(200);
    expect(body.user?.openid).toBe(mock.openidOf('mp', 'bob'));
    expect((await browser.me(b.url))?.openid).toBe(mock.openidOf('mp', 'bob'));
  });

  it('the callback on B from a browser without the nonce cookie fails (invalid_state)', async () => {
    const browser = new Browser();
    const cb = await browser.callbackURL(a.url);
    const res = await new Browser().get(onInstance(cb, b.url));
    const body = (await res.json()) as { failed?: { message: string } };
    expect(res.status).toBe(401);
    expect(body.failed?.message).toBe('invalid_state');
  });

  it("a different secret on B rejects A's state", async () => {
    const other = await startLoginApp(mock, {
      store: new SignedStateStore({ secret: 'another-secret-entirely-0123456789abcdef' }),
    });
    try {
      const browser = new Browser();
      const cb = await browser.callbackURL(a.url);
      const res = await browser.get(onInstance(cb, other.url));
      const body = (await res.json()) as { failed?: { message: string } };
      expect(res.status).toBe(401);
      expect(body.failed?.message).toBe('invalid_state');
    } finally {
      await other.close();
    }
  });
});
