/**
 * The example app's Mini Program and native-app surfaces against its emulator:
 * JSON login endpoints, the phone-number endpoint, the simulated Mini Program
 * page, the standalone-emulator mode, and Redis-held session keys and tokens.
 */
import { createClient } from 'redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';
import { startApp, type Harness } from './helpers';

async function post(h: Harness, path: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(h.base + path, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : { text } };
}

describe('example app: Mini Program and native app', () => {
  describe('with the bundled emulator', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startApp();
    });
    afterAll(() => h.close());

    it('POST /auth/wechat/miniprogram answers the user as JSON', async () => {
      const r = await post(h, '/auth/wechat/miniprogram', { code: h.mock.miniProgramLogin('alice') });
      expect(r).toEqual({
        status: 200,
        body: {
          user: {
            openid: h.mock.openidOf('miniprogram', 'alice'),
            unionid: h.mock.users[0].unionid,
            client: 'miniprogram',
          },
        },
      });
      expect(JSON.stringify(r.body)).not.toMatch(/session_key/);
    });

    it('answers failures as JSON with their status', async () => {
      expect(await post(h, '/auth/wechat/miniprogram', { code: 'nope' })).toEqual({
        status: 400,
        body: { error: 'invalid_code', errcode: 40029 },
      });
      expect(await post(h, '/auth/wechat/miniprogram', {})).toMatchObject({
        status: 400,
        body: { error: 'invalid_request' },
      });
      h.mock.setUserBlocked('bob', true);
      expect(await post(h, '/auth/wechat/miniprogram', { code: h.mock.miniProgramLogin('bob') })).toMatchObject({
        status: 403,
        body: { error: 'user_blocked' },
      });
      h.mock.setUserBlocked('bob', false);
    });

    it('POST /auth/wechat/app logs in with a SendAuth code, JSON only', async () => {
      const r = await post(h, '/auth/wechat/app', { code: h.mock.appLogin('bob') });
      expect(r).toMatchObject({
        status: 200,
        body: { user: { openid: h.mock.openidOf('app', 'bob'), client: 'app', displayName: 'Bob 鲍勃' } },
      });
      const form = await post(
        h,
        '/auth/wechat/app',
        `code=${h.mock.appLogin('bob')}`,
        'application/x-www-form-urlencoded',
      );
      expect(form).toMatchObject({ status: 415, body: { error: 'invalid_request' } });
    });

    it('POST /api/miniprogram/phone answers the number, and 400 for a used code', async () => {
      const code = h.mock.phoneCode('alice');
      expect(await post(h, '/api/miniprogram/phone', { code })).toEqual({
        status: 200,
        body: {
          phoneNumber: h.mock.users[0].phoneNumber,
          purePhoneNumber: h.mock.users[0].phoneNumber,
          countryCode: '86',
        },
      });
      expect(await post(h, '/api/miniprogram/phone', { code })).toEqual({
        status: 400,
        body: { error: 'invalid_phone_code' },
      });
      expect(await post(h, '/api/miniprogram/phone', {})).toEqual({ status: 400, body: { error: 'invalid_request' } });
    });

    it('serves the simulated Mini Program page, whose helpers mint codes that log in', async () => {
      const page = await fetch(h.base + '/miniprogram');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script src="/miniprogram.js">');
      expect((await fetch(h.base + '/miniprogram.js')).headers.get('content-type')).toMatch(/javascript/);
      for (const [what, endpoint] of [
        ['login', '/auth/wechat/miniprogram'],
        ['phone', '/api/miniprogram/phone'],
        ['app', '/auth/wechat/app'],
      ] as const) {
        const minted = await post(h, `/miniprogram/simulate/${what}`, { user: 'bob' });
        expect(minted.status).toBe(200);
        expect((await post(h, endpoint, { code: minted.body.code })).status).toBe(200);
      }
      expect(await post(h, '/miniprogram/simulate/login', { user: 'mallory' })).toMatchObject({ status: 400 });
      expect(await post(h, '/miniprogram/simulate/nothing', { user: 'bob' })).toMatchObject({ status: 400 });
    });
  });

  describe('with a standalone emulator', () => {
    let mock: MockWeChat;
    let h: Harness;
    beforeAll(async () => {
      mock = await createMockWeChat();
      h = await startApp({ WECHAT_MOCK_URL: mock.url }, mock);
    });
    afterAll(async () => {
      await h.close();
      await mock.close();
    });

    it('reads the credentials from the control API and mints codes through it', async () => {
      const minted = await post(h, '/miniprogram/simulate/login', { user: 'alice' });
      expect(await post(h, '/auth/wechat/miniprogram', { code: minted.body.code })).toMatchObject({
        status: 200,
        body: { user: { openid: mock.openidOf('miniprogram', 'alice') } },
      });
      expect(await post(h, '/miniprogram/simulate/login', { user: 'mallory' })).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/unknown user/) },
      });
    });
  });

  describeWithRedis('example app Mini Program with REDIS_URL')('with REDIS_URL', () => {
    let redis: ThrowawayRedis;
    let h: Harness;
    beforeAll(async () => {
      redis = await startRedis();
      h = await startApp({ REDIS_URL: redis.url });
    });
    afterAll(async () => {
      await h.close();
      redis.stop();
      await redis.exited;
    });

    it('keeps session keys (sealed) and the access token in Redis', async () => {
      expect((await post(h, '/auth/wechat/miniprogram', { code: h.mock.miniProgramLogin('alice') })).status).toBe(200);
      expect((await post(h, '/api/miniprogram/phone', { code: h.mock.phoneCode('alice') })).status).toBe(200);
      const client = createClient({ url: redis.url });
      await client.connect();
      try {
        expect(await client.keys('wechat-example:mp-session:*')).toHaveLength(1);
        const token = JSON.parse(
          (await client.get(`wechat-example:access-token:${h.mock.apps.miniprogram.appID}`)) as string,
        ) as { accessToken: string };
        expect(token.accessToken).toMatch(/^\d+_/);
      } finally {
        await client.quit();
      }
    });
  });
});
