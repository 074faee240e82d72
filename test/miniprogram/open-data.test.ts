/**
 * session_key, open data and checkSessionKey: keys rotated by a later
 * wx.login, watermarks of other apps, rawData signatures.
 */
import { createHash } from 'node:crypto';
import { MemorySessionKeyStore, WeChatMiniProgramError, WeChatMiniProgramStrategy } from '../../lib';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { authenticate, postJSON } from './helpers';

let mock: MockWeChat;
let store: MemorySessionKeyStore;
let s: WeChatMiniProgramStrategy;
let openid: string;

beforeAll(async () => {
  mock = await createMockWeChat();
  openid = mock.openidOf('miniprogram', 'alice');
});
afterAll(() => mock.close());
beforeEach(async () => {
  mock.reset();
  store = new MemorySessionKeyStore();
  s = new WeChatMiniProgramStrategy({ ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL, sessionKeyStore: store });
  await login('alice');
});

async function login(user: string): Promise<void> {
  const outcome = await authenticate(s, postJSON({ code: mock.miniProgramLogin(user) }));
  expect(outcome.kind).toBe('success');
}

async function rejection(p: Promise<unknown>): Promise<WeChatMiniProgramError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WeChatMiniProgramError);
  return err as WeChatMiniProgramError;
}

describe('decryptData', () => {
  it('returns the data, watermark included, under the current session_key', async () => {
    const { encryptedData, iv } = mock.encryptedDataFor('alice', { phoneNumber: '13800000000', countryCode: '86' });
    const data = await s.decryptData(openid, encryptedData, iv);
    expect(data).toMatchObject({
      phoneNumber: '13800000000',
      countryCode: '86',
      watermark: { appid: mock.apps.miniprogram.appID },
    });
  });

  describe('after a second login rotated the session_key', () => {
    it('fails the old data with invalid_data (the -41003 case) and decrypts new data', async () => {
      const old = mock.encryptedDataFor('alice', { nickName: 'old' });
      await login('alice');
      const err = await rejection(s.decryptData(openid, old.encryptedData, old.iv));
      expect(err.code).toBe('invalid_data');
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/wx\.login/);
      const fresh = mock.encryptedDataFor('alice', { nickName: 'new' });
      expect(await s.decryptData(openid, fresh.encryptedData, fresh.iv)).toMatchObject({ nickName: 'new' });
    });

    it('fails data made with a key the server never got (wx.login without a server login) as invalid_data', async () => {
      mock.miniProgramLogin('alice');
      const data = mock.encryptedDataFor('alice', { x: 1 });
      expect((await rejection(s.decryptData(openid, data.encryptedData, data.iv))).code).toBe('invalid_data');
    });
  });

  it('fails watermark_mismatch for data whose watermark names another appid', async () => {
    const data = mock.encryptedDataFor('alice', { x: 1, watermark: { appid: mock.apps.mp.appID, timestamp: 1 } });
    const err = await rejection(s.decryptData(openid, data.encryptedData, data.iv));
    expect(err.code).toBe('watermark_mismatch');
  });

  it.each([
    ['a damaged iv', (d: { encryptedData: string; iv: string }) => [d.encryptedData, d.iv.slice(2)]],
    [
      'base64 whose + became a space (a form body)',
      (d: { encryptedData: string; iv: string }) => [d.encryptedData.replace(/\+/g, ' ').replace(/^./, ' '), d.iv],
    ],
    ['garbage', () => ['bm90IGRhdGE=', 'AAAAAAAAAAAAAAAAAAAAAA==']],
  ])('fails invalid_data for %s', async (_n, mangle) => {
    const [data, iv] = mangle(mock.encryptedDataFor('alice', { x: 1 }));
    expect((await rejection(s.decryptData(openid, data, iv))).code).toBe('invalid_data');
  });

  it('fails invalid_data for a plaintext that is not a JSON object', async () => {
    const { createCipheriv, randomBytes } = await import('node:crypto');
    const key = store.get(mock.apps.miniprogram.appID, openid) as string;
    const iv = randomBytes(16);
    const c = createCipheriv('aes-128-cbc', Buffer.from(key, 'base64'), iv);
    const enc = Buffer.concat([c.update('[1,2]'), c.final()]).toString('base64');
    expect((await rejection(s.decryptData(openid, enc, iv.toString('base64')))).code).toBe('invalid_data');
  });

  it('fails no_session_key for a user who never logged in here', async () => {
    const data = mock.encryptedDataFor('bob', { x: 1 });
    const err = await rejection(s.decryptData(mock.openidOf('miniprogram', 'bob'), data.encryptedData, data.iv));
    expect(err.code).toBe('no_session_key');
    expect(err.status).toBe(401);
  });

  it('fails invalid_request for arguments that are not strings', async () => {
    expect((await rejection(s.decryptData(openid, undefined as never, 'x'))).code).toBe('invalid_request');
  });

  it('never puts the session_key or the data in its errors', async () => {
    const key = store.get(mock.apps.miniprogram.appID, openid) as string;
    const old = mock.encryptedDataFor('alice', { secretField: 'sensitive-value' });
    await login('alice');
    const err = await rejection(s.decryptData(openid, old.encryptedData, old.iv));
    for (const text of [err.message, String(err.stack), JSON.stringify(err)]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(old.encryptedData);
      expect(text).not.toContain('sensitive-value');
    }
  });
});

describe('verifyRawData', () => {
  const rawData =
    '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/x/0"}';
  const sign = (key: string): string =>
    createHash('sha1')
      .update(rawData + key)
      .digest('hex');

  it('is true with the right key and false with any other', async () => {
    const key = store.get(mock.apps.miniprogram.appID, openid) as string;
    expect(await s.verifyRawData(openid, rawData, sign(key))).toBe(true);
    expect(await s.verifyRawData(openid, rawData, sign(key).toUpperCase())).toBe(true);
    expect(await s.verifyRawData(openid, rawData, sign('HyVFkGl5F5OQWJZZaNzBBg=='))).toBe(false);
    expect(await s.verifyRawData(openid, rawData + ' ', sign(key))).toBe(false);
    expect(await s.verifyRawData(openid, rawData, 'not-hex')).toBe(false);
    await login('alice');
    expect(await s.verifyRawData(openid, rawData, sign(key))).toBe(false);
  });

  it('accepts the official example (miniprogram-protocol.md §3.3) and rejects it under another key', async () => {
    const official =
      '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}';
    const keys = new MemorySessionKeyStore();
    const strategyWithKey = new WeChatMiniProgramStrategy({
      ...mock.apps.miniprogram,
      apiBaseURL: mock.apiBaseURL,
      sessionKeyStore: keys,
    });
    keys.set(mock.apps.miniprogram.appID, 'oOfficial', 'HyVFkGl5F5OQWJZZaNzBBg==');
    expect(await strategyWithKey.verifyRawData('oOfficial', official, '75e81ceda165f4ffa64f4068af58c64b8f54b88c')).toBe(
      true,
    );
    keys.set(mock.apps.miniprogram.appID, 'oOfficial', 'tiihtNczf5v6AKRyjwEUhQ==');
    expect(await strategyWithKey.verifyRawData('oOfficial', official, '75e81ceda165f4ffa64f4068af58c64b8f54b88c')).toBe(
      false,
    );
  });

  it('fails no_session_key without a stored key', async () => {
    expect((await rejection(s.verifyRawData(mock.openidOf('miniprogram', 'bob'), rawData, 'x'))).code).toBe(
      'no_session_key',
    );
  });
});

describe('checkSessionKey', () => {
  it('is true for the current key and false once another wx.login replaced it', async () => {
    expect(await s.checkSessionKey(openid)).toBe(true);
    mock.miniProgramLogin('alice');
    expect(await s.checkSessionKey(openid)).toBe(false);
  });

  it('throws a configuration error rather than answering false', async () => {
    const bad = new WeChatMiniProgramStrategy({
      appID: mock.apps.miniprogram.appID,
      appSecret: 'f'.repeat(32),
      apiBaseURL: mock.apiBaseURL,
      sessionKeyStore: store,
    });
    await expect(bad.checkSessionKey(openid)).rejects.toMatchObject({ errcode: 40125 });
  });

  it('fails no_session_key without a stored key', async () => {
    expect((await rejection(s.checkSessionKey(mock.openidOf('miniprogram', 'bob')))).code).toBe('no_session_key');
  });
});

describe('MemorySessionKeyStore', () => {
  it('keeps the latest key per app and openid, bounded, and forgets on delete or expiry', async () => {
    const small = new MemorySessionKeyStore({ maxEntries: 2, ttlMs: 60_000 });
    small.set('a', 'o1', 'k1');
    small.set('a', 'o1', 'k2');
    small.set('b', 'o1', 'k3');
    expect([small.get('a', 'o1'), small.get('b', 'o1'), small.size]).toEqual(['k2', 'k3', 2]);
    small.set('a', 'o2', 'k4');
    expect(small.get('a', 'o1')).toBeUndefined();
    small.delete('a', 'o2');
    small.delete('a', 'missing');
    expect(small.get('a', 'o2')).toBeUndefined();
    const brief = new MemorySessionKeyStore({ ttlMs: 1 });
    brief.set('a', 'o', 'k');
    await new Promise((r) => setTimeout(r, 5));
    expect(brief.get('a', 'o')).toBeUndefined();
  });
});
