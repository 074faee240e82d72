import { parseProfile } from '../lib';
import { fixture } from './helpers/fake-wechat';

const ctx = { appID: 'wxmpapp000000000001', client: 'mp' as const };

describe('parseProfile', () => {
  describe('a post-2021 userinfo body (string)', () => {
    const profile = parseProfile(fixture('userinfo.json'), {
      ...ctx,
      token: { scope: 'snsapi_userinfo', openid: 'oAliceOpenid000000000000000x' },
    });

    it('maps openid to id and keeps both openid and unionid', () => {
      expect(profile).toMatchObject({
        provider: 'wechat',
        id: 'oAliceOpenid000000000000000x',
        openid: 'oAliceOpenid000000000000000x',
        unionid: 'oUnionAlice00000000000000000x',
      });
    });
    it('takes displayName from the nickname and photos from headimgurl', () => {
      expect(profile.displayName).toBe('Alice 爱丽丝');
      expect(profile.photos).toEqual([{ value: 'https://thirdwx.qlogo.cn/mmopen/vi_32/alice/132' }]);
    });
    it('gives no gender for sex 0 and never invents emails', () => {
      expect(profile.gender).toBeUndefined();
      expect('emails' in profile).toBe(false);
    });
    it('keeps the raw text and the parsed JSON', () => {
      expect(profile._raw).toBe(fixture('userinfo.json'));
      expect(profile._json).toMatchObject({ privilege: [] });
    });
    it('reads scope from the token', () => {
      expect(profile.scope).toBe('snsapi_userinfo');
    });
  });

  describe('a pre-2021 body with sex 1', () => {
    it('maps gender to male', () => {
      expect(parseProfile(fixture('userinfo-pre2021.json'), ctx).gender).toBe('male');
    });
  });

  describe('a body without unionid, with an empty nickname and avatar, sex 2', () => {
    const profile = parseProfile(JSON.parse(fixture('userinfo-no-unionid.json')), ctx);
    it('has no unionid key at all (never the string "undefined")', () => {
      expect('unionid' in profile).toBe(false);
    });
    it("has displayName '' and no photos", () => {
      expect(profile.displayName).toBe('');
      expect(profile.photos).toBeUndefined();
    });
    it('maps gender to female', () => {
      expect(profile.gender).toBe('female');
    });
  });

  describe('a unionid that only the token response carried', () => {
    it('is taken from the token', () => {
      const profile = parseProfile(fixture('userinfo-no-unionid.json'), {
        ...ctx,
        token: { openid: 'o', scope: 'snsapi_userinfo', unionid: 'oUnionFromToken' },
      });
      expect(profile.unionid).toBe('oUnionFromToken');
    });
  });

  describe('a snapshot token', () => {
    it('sets isSnapshotUser', () => {
      const token = JSON.parse(fixture('token-snapshot.json'));
      expect(parseProfile(token, { ...ctx, token }).isSnapshotUser).toBe(true);
    });
  });

  describe('refusals', () => {
    it.each([
      ['an errcode body', fixture('errcode-40003.json'), /WeChat error \(errcode 40003\)/],
      ['a body without openid', '{"nickname":"x"}', /no openid/],
      ['an empty openid', '{"openid":""}', /no openid/],
      ['a JSON array', '[]', /expected a WeChat JSON object/],
      ['null', 'null', /expected a WeChat JSON object/],
    ])('throws for %s', (_name, body, message) => {
      expect(() => parseProfile(body, ctx)).toThrow(message);
    });

    it('throws for text that is not JSON', () => {
      expect(() => parseProfile('<html>', ctx)).toThrow(SyntaxError);
    });
  });
});
