/**
 * A duplicate callback that lands on another instance while the first one is
 * still exchanging the code: it waits for the first one's outcome in Redis
 * and then runs its own instance's verify callback with the same token
 * response and profile (which is why verify must be idempotent). Every
 * passport-oauth2 verify form, and every way verify can end, against a real
 * Redis and the emulator.
 */
import { createClient, type RedisClientType } from 'redis';
import type { Request } from 'express';
import { SignedStateStore, type VerifyCallback, type WeChatProfile, type WeChatTokenResponse } from '../../lib';
import { RedisDeduplicator, RedisSeenStore } from '../../lib/redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { Browser, startLoginApp, tokenExchanges, type LoginApp, type LoginAppOptions } from '../helpers/login-app';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';

const maybe = describeWithRedis('replay-verify');

maybe("a duplicate on another instance runs its own verify with the first request's login", () => {
  let mock: MockWeChat;
  let redis: ThrowawayRedis;
  let client: RedisClientType;
  const apps: LoginApp[] = [];

  beforeAll(async () => {
    // 'slow' holds the first exchange in flight for 400 ms, long enough for the duplicate to join it.
    mock = await createMockWeChat({ slowMs: 400 });
    redis = await startRedis();
    client = createClient({ url: redis.url }) as RedisClientType;
    await client.connect();
  });
  afterAll(async () => {
    await client?.quit().catch(() => undefined);
    redis?.stop();
    await mock?.close();
  });
  beforeEach(() => {
    mock.reset();
    mock.setAutoConsent({ user: 'alice', decision: 'allow' });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  /** Instance A (default verify) and B (the verify under test), one Redis, each its own memory sessions. */
  async function instances(verify: LoginAppOptions['verify'], strategy: Record<string, unknown> = {}) {
    const shared = () => ({
      store: new SignedStateStore({
        secret: 'replay-verify-state-secret-0123456789',
        seen: new RedisSeenStore(client),
      }),
      strategy: {
        deduplicator: new RedisDeduplicator(client, { secret: 'replay-verify-dedupe-secret-0123456789', pollMs: 10 }),
      },
    });
    const a = await startLoginApp(mock, shared());
    const b = await startLoginApp(mock, { ...shared(), verify, strategy: { ...shared().strategy, ...strategy } });
    apps.push(a, b);
    return { a, b };
  }

  /** First callback on A; the same URL with the pre-login cookie on B while A is exchanging the code. */
  async function doubleCallback(a: LoginApp, b: LoginApp) {
    mock.setFault('/sns/oauth2/access_token', 'slow', 1);
    const browser = new Browser();
    const callback = new URL(await browser.callbackURL(a.url));
    const cancelledTab = browser.fork();
    const first = browser.get(callback.toString());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const duplicate = await cancelledTab.get(b.url + callback.pathname + callback.search);
    expect((await first).status).toBe(200);
    expect(await tokenExchanges(mock)).toBe(1);
    return {
      duplicate,
      body: (await duplicate.json()) as { user?: { openid: string }; failed?: { message: string }; error?: string },
    };
  }

  it('(req, accessToken, refreshToken, params, profile, done) with passReqToCallback: the same token, params and profile A got', async () => {
    const seen: Array<{ hasReq: boolean; accessToken: string; params: WeChatTokenResponse; openid: string }> = [];
    const verify = (
      req: Request,
      accessToken: string,
      _refreshToken: string,
      params: WeChatTokenResponse,
      profile: WeChatProfile,
      done: VerifyCallback,
    ) => {
      seen.push({ hasReq: typeof req.get === 'function', accessToken, params, openid: profile.openid });
      done(null, { openid: profile.openid, via: 'B' });
    };
    const { a, b } = await instances(verify, { passReqToCallback: true });
    const { duplicate, body } = await doubleCallback(a, b);
    expect(duplicate.status).toBe(200);
    expect(body.user?.openid).toBe(mock.openidOf('mp', 'alice'));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.hasReq).toBe(true);
    expect(seen[0]?.accessToken).toBe(a.tokens[0]?.accessToken);
    expect(seen[0]?.params.openid).toBe(mock.openidOf('mp', 'alice'));
  });

  it('(accessToken, refreshToken, params, profile, done): params without the request', async () => {
    const seen: string[] = [];
    const verify = (
      accessToken: string,
      _r: string,
      params: WeChatTokenResponse,
      profile: WeChatProfile,
      done: VerifyCallback,
    ) => {
      seen.push(`${accessToken === a0() ? 'same-token' : 'other-token'}:${params.openid === profile.openid}`);
      done(null, { openid: profile.openid });
    };
    let a0 = (): string | undefined => undefined;
    const { a, b } = await instances(verify);
    a0 = () => a.tokens[0]?.accessToken;
    const { duplicate } = await doubleCallback(a, b);
    expect(duplicate.status).toBe(200);
    expect(seen).toEqual(['same-token:true']);
  });

  it('(req, accessToken, refreshToken, profile, done) with passReqToCallback', async () => {
    const verify = (req: Request, _a: string, _r: string, profile: WeChatProfile, done: VerifyCallback) =>
      done(null, { openid: profile.openid, path: req.path });
    const { a, b } = await instances(verify, { passReqToCallback: true });
    const { duplicate, body } = await doubleCallback(a, b);
    expect(duplicate.status).toBe(200);
    expect(body.user).toEqual({ openid: mock.openidOf('mp', 'alice'), path: '/cb' });
  });

  describe("when B's verify does not log the user in", () => {
    it('done(null, false, info): the duplicate fails with that info', async () => {
      const verify = (_a: string, _r: string, _p: WeChatProfile, done: VerifyCallback) =>
        done(null, false, { message: 'account_locked' });
      const { a, b } = await instances(verify);
      const { duplicate, body } = await doubleCallback(a, b);
      expect(duplicate.status).toBe(401);
      expect(body.failed?.message).toBe('account_locked');
    });

    it('done(err): the duplicate ends with that error', async () => {
      const verify = (_a: string, _r: string, _p: WeChatProfile, done: VerifyCallback) =>
        done(new Error('database down'));
      const { a, b } = await instances(verify);
      const { duplicate, body } = await doubleCallback(a, b);
      expect(duplicate.status).toBe(500);
      expect(body.error).toBe('database down');
    });

    it('verify throws: the duplicate ends with that error, and the process lives on', async () => {
      const verify = () => {
        throw new Error('verify threw');
      };
      const { a, b } = await instances(verify);
      const { duplicate, body } = await doubleCallback(a, b);
      expect(duplicate.status).toBe(500);
      expect(body.error).toBe('verify threw');
    });
  });
});
