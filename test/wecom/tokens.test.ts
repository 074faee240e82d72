/**
 * The corp token: one `gettoken` for many logins, one re-fetch when WeCom
 * says it went stale, and never one agent's token for another.
 */
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { WeComAccessTokenManager, type AccessTokenStore, type CachedAccessToken } from '../../lib';
import { Browser } from '../helpers/login-app';
import { startWeComApp, weComCallbackURL, WXWORK_UA, type WeComApp } from './helpers';

let mock: MockWeChat;
let app: WeComApp | undefined;

beforeAll(async () => {
  mock = await createMockWeChat();
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.reset();
  mock.setWeComAutoConsent({ user: 'zhangsan', decision: 'allow' });
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const requests = (path: string): number => mock.stats().requests[path] ?? 0;

/** A shared store in one process, standing in for Redis: the same interface, keyed as given. */
class MapTokenStore implements AccessTokenStore {
  readonly keys = new Map<string, CachedAccessToken>();
  get(key: string): Promise<CachedAccessToken | undefined> {
    return Promise.resolve(this.keys.get(key));
  }
  async fetchOnce(key: string, fetch: () => Promise<CachedAccessToken>): Promise<CachedAccessToken> {
    const token = this.keys.get(key) ?? (await fetch());
    this.keys.set(key, token);
    return token;
  }
  invalidate(key: string, accessToken: string): Promise<void> {
    if (this.keys.get(key)?.accessToken === accessToken) this.keys.delete(key);
    return Promise.resolve();
  }
}

describe('the WeCom corp token', () => {
  describe('100 concurrent logins on a cold strategy', () => {
    it('make one gettoken call, and every login succeeds', async () => {
      app = await startWeComApp(mock, { client: 'wecom' });
      const browsers = Array.from({ length: 100 }, () => new Browser(WXWORK_UA));
      const backs = await Promise.all(browsers.map((b) => weComCallbackURL(b, (app as WeComApp).url)));
      const statuses = await Promise.all(browsers.map(async (b, i) => (await b.get(backs[i] as string)).status));
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(requests('/cgi-bin/gettoken')).toBe(1);
    });
  });

  describe('a 40014 in the middle of a run of logins', () => {
    it('makes exactly one re-fetch and one retry', async () => {
      app = await startWeComApp(mock, { client: 'wecom' });
      const run = async (): Promise<number> => {
        const b = new Browser(WXWORK_UA);
        return (await b.get(await weComCallbackURL(b, (app as WeComApp).url))).status;
      };
      for (let i = 0; i < 5; i++) expect(await run()).toBe(200);
      mock.revokeWeComTokens('wecom');
      const identityBefore = requests('/cgi-bin/auth/getuserinfo');
      for (let i = 0; i < 5; i++) expect(await run()).toBe(200);
      expect(requests('/cgi-bin/gettoken')).toBe(2);
      // Five logins, one of which was answered 40014 and retried.
      expect(requests('/cgi-bin/auth/getuserinfo') - identityBefore).toBe(6);
    });
  });

  describe('two agents of one corp', () => {
    it('never share a token, even through one shared store', async () => {
      const store = new MapTokenStore();
      const base = { apiBaseURL: mock.wecom.apiBaseURL, store };
      const first = new WeComAccessTokenManager({ ...mock.apps.wecom, ...base });
      const second = new WeComAccessTokenManager({ ...mock.apps.wecomOther, ...base });
      const [a, b] = await Promise.all([first.getAccessToken(), second.getAccessToken()]);
      expect(a).not.toBe(b);
      expect(mock.stats().wecomGettoken).toEqual({ [mock.apps.wecom.agentID]: 1, [mock.apps.wecomOther.agentID]: 1 });
      expect([...store.keys.keys()].sort()).toEqual(
        [
          `wecom:${mock.apps.wecom.corpID}:${mock.apps.wecom.agentID}`,
          `wecom:${mock.apps.wecom.corpID}:${mock.apps.wecomOther.agentID}`,
        ].sort(),
      );
      // Each token works for its own app's calls (WeCom answers 301002 otherwise).
      expect(await second.getAccessToken()).toBe(b);
    });

    it('without an agentID, a hash of the secret keys the token, never the secret itself', async () => {
      const store = new MapTokenStore();
      const manager = new WeComAccessTokenManager({
        corpID: mock.apps.wecom.corpID,
        agentSecret: mock.apps.wecom.agentSecret,
        apiBaseURL: mock.wecom.apiBaseURL,
        store,
      });
      await manager.getAccessToken();
      const [key] = [...store.keys.keys()];
      expect(key).toMatch(new RegExp(`^wecom:${mock.apps.wecom.corpID}:secret-`));
      expect(key).not.toContain(mock.apps.wecom.agentSecret);
    });
  });

  describe('expires_in', () => {
    it('is read as seconds: a second call within the lifetime fetches nothing', async () => {
      const manager = new WeComAccessTokenManager({ ...mock.apps.wecom, apiBaseURL: mock.wecom.apiBaseURL });
      await manager.getAccessToken();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await manager.getAccessToken();
      expect(requests('/cgi-bin/gettoken')).toBe(1);
    });

    it('a token answer without access_token is a retryable error, not a token', async () => {
      const manager = new WeComAccessTokenManager({ ...mock.apps.wecom, apiBaseURL: mock.wecom.apiBaseURL });
      mock.setFault('/cgi-bin/gettoken', 0, 1);
      await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'WeComAPIError', retryable: true });
    });
  });

  it('requires corpID and agentSecret', () => {
    expect(() => new WeComAccessTokenManager({ corpID: '', agentSecret: 'x' })).toThrow(TypeError);
  });
});
