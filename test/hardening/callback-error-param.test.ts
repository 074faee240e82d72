import { Strategy as WeChatStrategy } from '../../lib';
import { FakeWeChatAPI } from '../helpers/fake-wechat';
import { authenticate, fakeRequest } from '../helpers/harness';
import { MP } from '../fixtures/apps';

/**
 * README, "Outcomes": WeChat never sends an `error` other than
 * `access_denied`, so any other value is `invalid_request` (400), whether or
 * not the callback also carries a `state`; a refusal stays `access_denied` (403).
 */
let api: FakeWeChatAPI;
beforeEach(async () => {
  api = await new FakeWeChatAPI().start();
});
afterEach(() => api.stop());

function strategy(): WeChatStrategy {
  return new WeChatStrategy({ ...MP, callbackURL: 'https://app.example.com/cb', apiBaseURL: api.url });
}

describe('a callback with an error parameter', () => {
  describe('that WeChat never sends', () => {
    it.each([
      ['error=foo&state=x', { error: 'foo', state: 'x' }],
      [
        'error=server_error&state=x&error_description=boom',
        { error: 'server_error', state: 'x', error_description: 'boom' },
      ],
      ['error=foo&code=authdeny&state=x', { error: 'foo', code: 'authdeny', state: 'x' }],
      ['error=foo alone', { error: 'foo' }],
    ])('(%s) fails with invalid_request, 400', async (_name, query) => {
      const outcome = await authenticate(strategy(), fakeRequest({ query, url: '/cb' }));
      expect(outcome).toEqual({
        kind: 'fail',
        challenge: { message: 'invalid_request', detail: expect.any(String) },
        status: 400,
      });
      expect(api.requests).toHaveLength(0);
    });
  });

  describe('that is a refusal', () => {
    it.each([
      ['error=access_denied&state=x', { error: 'access_denied', state: 'x' }],
      ['state and no code', { state: 'x' }],
      ['code=authdeny&state=x', { code: 'authdeny', state: 'x' }],
    ])('(%s) fails with access_denied, 403', async (_name, query) => {
      const outcome = await authenticate(strategy(), fakeRequest({ query, url: '/cb' }));
      expect(outcome).toEqual({
        kind: 'fail',
        challenge: { message: 'access_denied', detail: expect.any(String) },
        status: 403,
      });
    });
  });
});
