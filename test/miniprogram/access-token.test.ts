/**
 * WeChatAccessTokenManager and getPhoneNumber against the emulator's
 * /cgi-bin/stable_token, /cgi-bin/token and getuserphonenumber.
 */
import { WeChatAccessTokenManager, WeChatAPIError, WeChatMiniProgramError, WeChatMiniProgramStrategy } from '../../lib';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { json, request } from '../testing/helpers';
import { requestCount } from './helpers';

const STABLE = '/cgi-bin/stable_token';
const PHONE = '/wxa/business/getuserphonenumber';
let mock: MockWeChat;

beforeAll(async () => {
  mock = await createMockWeChat({ serverTokenTtlSeconds: 3 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

function manager(over: Record<string, unknown> = {}): WeChatAccessTokenManager {
  return new WeChatAccessTokenManager({ ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL, ...over });
}

/** Another process forcing a refresh: the token this process holds dies at once. */
async function forceRefreshElsewhere(): Promise<string> {
  const { appID, appSecret } = mock.apps.miniprogram;
  const body = JSON.stringify({
    grant_type: 'client_credential',
    appid: appID,
    secret: appSecret,
    force_refresh: true,
  });
  const r = await request(`${mock.url}${STABLE}`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json' },
  });
  return json(r).access_token as string;
}

describe('WeChatAccessTokenManager', () => {
  describe('getAccessToken', () => {
    it('100 concurrent calls make 1 upstream call and get the same token', async () => {
      const m = manager();
      const tokens = await Promise.all(Array.from({ length: 100 }, () => m.getAccessToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).toMatch(/^\d+_/);
      expect(await requestCount(mock, STABLE)).toBe(1);
      expect(await m.getAccessToken()).toBe(tokens[0]);
      expect(await requestCount(mock, STABLE)).toBe(1);
    });

    it('fetches again shortly before expires_in', async () => {
      const m = manager();
      await m.getAccessToken();
      // A 3 s token is handed out for half its life (1.5 s), then fetched again.
      await new Promise((r) => setTimeout(r, 1600));
      await m.getAccessToken();
      expect(await requestCount(mock, STABLE)).toBe(2);
    });

    it('uses GET /cgi-bin/token with stable: false', async () => {
      const token = await manager({ stable: false }).getAccessToken();
      expect(token).toMatch(/^\d+_/);
      expect(await requestCount(mock, '/cgi-bin/token')).toBe(1);
      expect(await requestCount(mock, STABLE)).toBe(0);
    });

    it('fails over to api2 when the first base is down', async () => {
      mock.setFault(STABLE, '502', 1);
      expect(await manager().getAccessToken()).toMatch(/^\d+_/);
      expect(await requestCount(mock, '/api2' + STABLE)).toBe(1);
    });

    it('reports a wrong secret as a WeChatAPIError with a hint, without the secret', async () => {
      const err = await manager({ appSecret: 'f'.repeat(32) })
        .getAccessToken()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeChatAPIError);
      expect((err as WeChatAPIError).errcode).toBe(40125);
      expect(String((err as Error).stack)).not.toContain('f'.repeat(32));
    });

    it('refuses an answer without a token', async () => {
      mock.setFault(STABLE, 0, 1);
      await expect(manager().getAccessToken()).rejects.toMatchObject({ endpoint: STABLE });
    });

    it('needs credentials', () => {
      expect(() => new WeChatAccessTokenManager({ appID: 'wx1' })).toThrow(/appID and appSecret/);
      expect(() => new WeChatAccessTokenManager(undefined as never)).toThrow(/appID and appSecret/);
    });
  });

  describe('a 40001 after a forced refresh elsewhere', () => {
    it('makes exactly one re-fetch and one retry', async () => {
      const s = new WeChatMiniProgramStrategy({ ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL });
      await s.accessTokens.getAccessToken();
      const replacement = await forceRefreshElsewhere();
      const before = await requestCount(mock, STABLE);
      const phone = await s.getPhoneNumber(mock.phoneCode('alice'));
      expect(phone.purePhoneNumber).toBe(mock.users[0].phoneNumber);
      expect(await requestCount(mock, STABLE)).toBe(before + 1);
      expect(await requestCount(mock, PHONE)).toBe(2);
      expect(await s.accessTokens.getAccessToken()).toBe(replacement);
    });

    it('gives up after the one retry when the new token fails too', async () => {
      const m = manager();
      let calls = 0;
      const err = await m
        .withAccessToken(async () => {
          calls++;
          throw new WeChatAPIError(40001, 'invalid credential', PHONE);
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ errcode: 40001 });
      expect(calls).toBe(2);
      expect(await requestCount(mock, STABLE)).toBe(2);
    });

    it('does not retry other errors', async () => {
      let calls = 0;
      await expect(
        manager().withAccessToken(async () => {
          calls++;
          throw new WeChatAPIError(48001, 'api unauthorized', PHONE);
        }),
      ).rejects.toMatchObject({ errcode: 48001 });
      expect(calls).toBe(1);
    });

    it('invalidating a token that was already replaced fetches nothing', async () => {
      const m = manager();
      const token = await m.getAccessToken();
      await m.invalidate('some-older-token');
      expect(await m.getAccessToken()).toBe(token);
      expect(await requestCount(mock, STABLE)).toBe(1);
    });
  });
});

describe('getPhoneNumber', () => {
  let s: WeChatMiniProgramStrategy;
  beforeEach(() => {
    s = new WeChatMiniProgramStrategy({ ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL });
  });

  it("returns the user's number with a string countryCode", async () => {
    expect(await s.getPhoneNumber(mock.phoneCode('bob'))).toEqual({
      phoneNumber: mock.users[1].phoneNumber,
      purePhoneNumber: mock.users[1].phoneNumber,
      countryCode: '86',
    });
  });

  it('turns a used, unknown or other-app code into invalid_phone_code (400), not a 500', async () => {
    const code = mock.phoneCode('alice');
    await s.getPhoneNumber(code);
    for (const bad of [code, 'f'.repeat(64)]) {
      const err = await s.getPhoneNumber(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeChatMiniProgramError);
      expect(err).toMatchObject({ code: 'invalid_phone_code', status: 400, errcode: 40029 });
      expect((err as Error).message).not.toContain(bad);
    }
  });

  it('rejects a missing code without calling WeChat', async () => {
    await expect(s.getPhoneNumber('' as string)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await requestCount(mock, PHONE)).toBe(0);
  });

  it('passes other errcodes on as WeChatAPIError', async () => {
    mock.setFault(PHONE, 48001, 1);
    await expect(s.getPhoneNumber(mock.phoneCode('alice'))).rejects.toMatchObject({ errcode: 48001 });
  });

  it('refuses an answer without phone_info', async () => {
    mock.setFault(PHONE, 0, 1);
    await expect(s.getPhoneNumber(mock.phoneCode('alice'))).rejects.toBeInstanceOf(WeChatAPIError);
  });
});
