/**
 * WeCom options of createMockWeChat (wecom-protocol.md §7 "Fixture"): custom corps and identities,
 * and the configurations the emulator refuses.
 */
import { createMockWeChat, type MockWeChatOptions } from 'passport-wechat-oauth2/testing';
import { json } from './helpers';
import { exchangeWeComCode, gettoken, qyapi } from './wecom-helpers';

describe('createMockWeChat WeCom options', () => {
  describe('a custom corp, agents and identities', () => {
    it('are used for credentials, codes and user/get', async () => {
      const mock = await createMockWeChat({
        apps: { wecom: { agentID: '42', agentSecret: 's'.repeat(43), visibleUserIDs: ['Boss'] } },
        wecom: {
          corpID: 'ww0123456789abcdef',
          users: [
            { key: 'boss', kind: 'member', userid: 'Boss', name: 'Boss' },
            { key: 'temp', kind: 'member', userid: 'Temp', visible: false },
          ],
        },
      });
      try {
        expect(mock.apps.wecom).toEqual({ corpID: 'ww0123456789abcdef', agentID: '42', agentSecret: 's'.repeat(43) });
        expect(mock.apps.wecomOther.corpID).toBe('ww0123456789abcdef');
        expect(mock.wecomUsers.map((u) => [u.key, u.visible])).toEqual([
          ['boss', true],
          ['temp', false],
        ]);
        expect(json(await exchangeWeComCode(mock, mock.wecomCode('boss'))).userid).toBe('Boss');
        const r = await qyapi(mock, '/cgi-bin/user/get', [
          ['access_token', await gettoken(mock)],
          ['userid', 'BOSS'],
        ]);
        // Unset gender reads '0' (undefined) and the avatar defaults to the emulator's own SVG.
        expect(json(r)).toEqual({
          errcode: 0,
          errmsg: 'ok',
          userid: 'Boss',
          name: 'Boss',
          gender: '0',
          avatar: `${mock.url}/avatar/wecom-boss.svg`,
          thumb_avatar: `${mock.url}/avatar/wecom-boss.svg`,
          status: 1,
          qr_code: expect.stringMatching(/^https:\/\/open\.work\.weixin\.qq\.com\/wwopen\/userQRCode\?vcode=/),
        });
      } finally {
        await mock.close();
      }
    });
  });

  it.each([
    ['a bad key', { wecom: { users: [{ key: 'a b', kind: 'member', userid: 'A' }] } }, /wecom user key/],
    [
      'a duplicate key',
      {
        wecom: {
          users: [
            { key: 'a', kind: 'member', userid: 'A' },
            { key: 'a', kind: 'member', userid: 'B' },
          ],
        },
      },
      /duplicate wecom user key a/,
    ],
    ['a guest without openid', { wecom: { users: [{ key: 'g', kind: 'guest' }] } }, /needs openid/],
    ['a member with a /', { wecom: { users: [{ key: 'm', kind: 'member', userid: 'x/y' }] } }, /linked-corp id/],
    [
      'a linked user without CorpId/',
      {
        wecom: {
          users: [
            { key: 'm', kind: 'member', userid: 'M' },
            { key: 'l', kind: 'linked', userid: 'L' },
          ],
        },
      },
      /CorpId\/userid/,
    ],
    ['no member', { wecom: { users: [{ key: 'g', kind: 'guest', openid: 'o1' }] } }, /at least one wecom member/],
    ['a non-digit agentID', { apps: { wecom: { agentID: 'abc' } } }, /agentID must be digits/],
    ['two equal agentIDs', { apps: { wecomOther: { agentID: '1000002' } } }, /different agentIDs/],
    [
      'two equal secrets',
      { apps: { wecom: { agentSecret: 'x' }, wecomOther: { agentSecret: 'x' } } },
      /different agentSecrets/,
    ],
    [
      'a corpID equal to a WeChat appID',
      { wecom: { corpID: 'wxmock00000000mp01' } },
      /must differ from every WeChat appID/,
    ],
    ['an unknown sensitive field', { apps: { wecom: { sensitiveFields: ['name'] } } }, /unknown sensitive field/],
  ] as Array<[string, MockWeChatOptions, RegExp]>)('rejects %s', async (_name, options, message) => {
    await expect(createMockWeChat(options)).rejects.toThrow(message);
  });
});
