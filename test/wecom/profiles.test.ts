/**
 * Who logs in and what the profile holds: members, linked-corp members,
 * guests and external contacts, under both `members` settings and the three
 * `profile` levels, with the upstream calls each level costs.
 */
import { inspect } from 'node:util';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import type { WeComProfile, WeComStrategyOptions } from '../../lib';
import { parseIdentity } from '../../lib/wecom/identity';
import { logInAs, startWeComApp, type WeComApp } from './helpers';

let mock: MockWeChat;
let app: WeComApp | undefined;

beforeAll(async () => {
  mock = await createMockWeChat();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const calls = (): Record<string, number> => {
  const r = mock.stats().requests;
  return {
    getuserinfo: r['/cgi-bin/auth/getuserinfo'] ?? 0,
    userGet: r['/cgi-bin/user/get'] ?? 0,
    getuserdetail: r['/cgi-bin/auth/getuserdetail'] ?? 0,
  };
};

async function profileOf(user: string, options: Partial<WeComStrategyOptions>): Promise<WeComProfile | undefined> {
  app = await startWeComApp(mock, { client: 'wecom', ...options });
  const res = await logInAs(mock, app, user);
  if (res.status !== 200) return undefined;
  return app.profiles[0];
}

describe('WeCom profiles', () => {
  const corp = (): string => mock.apps.wecom.corpID;

  describe('a member', () => {
    it("with profile 'ids': one identity call; id is corpID/userid lower-cased, userID keeps WeCom's case", async () => {
      const profile = await profileOf('zhangsan', {});
      expect(profile).toEqual({
        provider: 'wecom',
        id: `${corp()}/zhangsan`,
        corpID: corp(),
        kind: 'member',
        userID: 'ZhangSan',
        client: 'wecom',
        _json: { identity: { userid: 'ZhangSan' } },
      });
      expect(calls()).toEqual({ getuserinfo: 1, userGet: 0, getuserdetail: 0 });
    });

    it("with profile 'member': adds name, department and position from user/get (2 calls)", async () => {
      const profile = await profileOf('zhangsan', { profile: 'member' });
      expect(profile).toMatchObject({ displayName: '张三', department: [1, 2], position: '产品经理' });
      expect(profile?.emails).toBeUndefined();
      expect(calls()).toEqual({ getuserinfo: 1, userGet: 1, getuserdetail: 0 });
    });

    it("with profile 'sensitive' and snsapi_privateinfo: adds email, mobile, gender and avatar from getuserdetail (3 calls)", async () => {
      const profile = await profileOf('zhangsan', { profile: 'sensitive', scope: 'snsapi_privateinfo' });
      const mockUser = mock.wecomUsers.find((u) => u.key === 'zhangsan');
      expect(profile).toMatchObject({
        displayName: '张三',
        gender: 'male',
        phoneNumbers: [{ value: mockUser?.mobile }],
        emails: [
          { value: mockUser?.email, type: 'work' },
          { value: mockUser?.bizMail, type: 'biz' },
        ],
        photos: [{ value: expect.stringContaining('/avatar/wecom-zhangsan') as string }],
      });
      expect(calls()).toEqual({ getuserinfo: 1, userGet: 1, getuserdetail: 1 });
    });

    it("with profile 'sensitive' but snsapi_base: no user_ticket, so no getuserdetail call", async () => {
      const profile = await profileOf('lisi', { profile: 'sensitive' });
      expect(profile).toMatchObject({ userID: 'LiSi', displayName: '李四' });
      expect(profile?.phoneNumbers).toBeUndefined();
      expect(calls().getuserdetail).toBe(0);
    });

    it('of an app created after 2022-06-20: user/get still gives name, department and position', async () => {
      mock.configureWeCom('wecom', { createdAfter20220620: true, trustedIPs: ['127.0.0.1', '::1'] });
      const profile = await profileOf('zhangsan', { profile: 'member' });
      expect(profile).toMatchObject({ displayName: '张三', position: '产品经理' });
      expect(profile?._json.member?.mobile).toBeUndefined();
    });

    it('never carries the user_ticket, in the profile, its _json or util.inspect', async () => {
      const profile = await profileOf('zhangsan', { profile: 'sensitive', scope: 'snsapi_privateinfo' });
      expect(JSON.stringify(profile)).not.toMatch(/user_ticket|userTicket/);
      expect(inspect(profile, { depth: 10 })).not.toMatch(/user_ticket|userTicket/);
    });
  });

  describe('a linked-corp member (企业互联)', () => {
    it.each(['ids', 'member'] as const)(
      "with profile '%s': the userid as given is the id, and user/get is not called",
      async (level) => {
        const profile = await profileOf('linked', { profile: level });
        expect(profile).toMatchObject({
          kind: 'linked',
          id: 'wwa1b2c3d4e5f60718/ZhaoLiu',
          userID: 'wwa1b2c3d4e5f60718/ZhaoLiu',
        });
        expect(calls().userGet).toBe(0);
      },
    );
  });

  describe('a guest (non-member)', () => {
    it.each(['ids', 'member', 'sensitive'] as const)(
      "with members: 'all' and profile '%s': logs in as corpID:openid:<openid>, one call",
      async (level) => {
        const profile = await profileOf('guest', { members: 'all', profile: level });
        expect(profile).toMatchObject({
          kind: 'guest',
          id: `${corp()}:openid:oGuest00000000000000000000001`,
          openid: 'oGuest00000000000000000000001',
        });
        expect(profile?.externalUserID).toBeUndefined();
        expect(calls()).toEqual({ getuserinfo: 1, userGet: 0, getuserdetail: 0 });
      },
    );

    it("with members: 'only' fails with not_member and verify never runs", async () => {
      expect(await profileOf('guest', { members: 'only', profile: 'member' })).toBeUndefined();
      expect(app?.profiles).toEqual([]);
    });
  });

  describe('an external contact (a guest who is a customer)', () => {
    it("with members: 'all': keeps the openid as the key and exposes externalUserID", async () => {
      const profile = await profileOf('customer', { members: 'all' });
      expect(profile).toMatchObject({
        kind: 'guest',
        id: `${corp()}:openid:oCustomer0000000000000000001`,
        externalUserID: 'wmCustomer00000000000000000000001',
      });
    });

    it("with members: 'only' fails with not_member", async () => {
      app = await startWeComApp(mock, { client: 'wecom' });
      const res = await logInAs(mock, app, 'customer');
      expect([res.status, (res.body.failed as { message: string }).message]).toEqual([403, 'not_member']);
    });
  });

  describe('both casings of the identity answer (wecom-protocol.md §3.2)', () => {
    async function answers(user: string): Promise<Array<Record<string, unknown>>> {
      const tokenRes = await fetch(
        `${mock.wecom.apiBaseURL}/cgi-bin/gettoken?corpid=${corp()}&corpsecret=${mock.apps.wecom.agentSecret}`,
      );
      const { access_token: token } = (await tokenRes.json()) as { access_token: string };
      const out: Array<Record<string, unknown>> = [];
      for (const path of ['/cgi-bin/auth/getuserinfo', '/cgi-bin/user/getuserinfo']) {
        const code = mock.wecomCode(user);
        const res = await fetch(`${mock.wecom.apiBaseURL}${path}?access_token=${token}&code=${code}`);
        out.push((await res.json()) as Record<string, unknown>);
      }
      return out;
    }

    it.each(['zhangsan', 'linked', 'guest', 'customer'])(
      '%s: the current lowercase answer and the old PascalCase one name the same user',
      async (user) => {
        const [current, old] = await answers(user);
        expect(Object.keys(old as object).some((k) => /^(UserId|OpenId)$/.test(k))).toBe(true);
        const a = parseIdentity(current as Record<string, unknown>);
        const b = parseIdentity(old as Record<string, unknown>);
        expect(a).toBeDefined();
        expect({ ...b, json: undefined }).toEqual({ ...a, json: undefined });
      },
    );

    it('an answer naming nobody is no identity', () => {
      expect(parseIdentity({ errcode: 0, errmsg: 'ok' })).toBeUndefined();
      expect(parseIdentity({ userid: '', OpenId: '' })).toBeUndefined();
    });
  });
});
