import { Strategy as WeChatStrategy, WeChatTransportError, type WeChatProfile } from '../../lib';
import { FakeWeChatAPI, fixture } from '../helpers/fake-wechat';
import { completeLogin } from '../helpers/harness';
import { CODE, MP } from '../fixtures/apps';

/**
 * A `/sns/userinfo` answer on HTTP 200 that has no errcode and no openid is
 * not a WeChat answer (every profile has an openid, wechat-protocol.md §3.3):
 * it is treated like a garbled body, a WeChatTransportError of kind
 * `bad_response`, and the next API base is asked.
 */
const TOKEN = JSON.parse(fixture('token-userinfo.json')) as { access_token: string; openid: string };
const NO_OPENID_BODIES: Array<[string, string]> = [
  ['no openid at all', '{"nickname":"Alice","sex":0,"headimgurl":""}'],
  ['openid as a number', '{"openid":12345,"nickname":"Alice"}'],
  ['openid empty', '{"openid":"","nickname":"Alice"}'],
  ['openid null', '{"openid":null,"nickname":"Alice"}'],
];

let primary: FakeWeChatAPI;
let backup: FakeWeChatAPI;
beforeEach(async () => {
  primary = await new FakeWeChatAPI()
    .route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') })
    .start();
  backup = await new FakeWeChatAPI().route('/sns/userinfo', { body: fixture('userinfo.json') }).start();
});
afterEach(() => Promise.all([primary.stop(), backup.stop()]));

function strategy(apiBaseURL: string | string[]): WeChatStrategy {
  return new WeChatStrategy({ ...MP, callbackURL: 'https://app.example.com/cb', apiBaseURL });
}

describe('a /sns/userinfo answer without a string openid', () => {
  describe.each(NO_OPENID_BODIES)('(%s)', (_name, body) => {
    beforeEach(() => {
      primary.route('/sns/userinfo', { body });
    });

    describe('on the only API base', () => {
      it("ends the login with error(WeChatTransportError, kind 'bad_response') and a clear message", async () => {
        const outcome = await completeLogin(strategy(primary.url), CODE);
        expect(outcome.kind).toBe('error');
        const error = (outcome as { error: Error }).error;
        expect(error).toBeInstanceOf(WeChatTransportError);
        expect(error).toMatchObject({
          kind: 'bad_response',
          endpoint: '/sns/userinfo',
          host: new URL(primary.url).host,
        });
        expect(error.message).toBe(
          `WeChat API /sns/userinfo on ${new URL(primary.url).host} failed (bad_response): the answer has no openid, so it is not WeChat's`,
        );
      });

      it('is rejected the same way by getUserInfo', async () => {
        await expect(strategy(primary.url).getUserInfo(TOKEN.access_token, TOKEN.openid)).rejects.toMatchObject({
          name: 'WeChatTransportError',
          kind: 'bad_response',
        });
      });
    });

    describe('with a backup API base', () => {
      it('fails over: the backup answers, and the login succeeds with its profile', async () => {
        const outcome = await completeLogin(strategy([primary.url, backup.url]), CODE);
        expect(outcome.kind).toBe('success');
        expect((outcome as { user: WeChatProfile }).user).toMatchObject({
          id: TOKEN.openid,
          displayName: 'Alice 爱丽丝',
        });
        expect(primary.requestsTo('/sns/userinfo')).toHaveLength(1);
        expect(backup.requestsTo('/sns/userinfo')).toHaveLength(1);
      });
    });
  });

  describe('an errcode answer (a real WeChat error, which has no openid either)', () => {
    it('stays a WeChatAPIError and does not fail over', async () => {
      primary.route('/sns/userinfo', { body: fixture('errcode-48001.json') });
      const outcome = await completeLogin(strategy([primary.url, backup.url]), CODE);
      expect(outcome).toMatchObject({ kind: 'error', error: { name: 'WeChatAPIError', errcode: 48001 } });
      expect(backup.requestsTo('/sns/userinfo')).toHaveLength(0);
    });
  });
});
