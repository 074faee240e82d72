import { WeChatAPIError, WeChatTransportError, WeChatConfigError } from '../lib';

describe('WeChatAPIError', () => {
  const error = new WeChatAPIError(
    40163,
    'code been used, rid: 652d44d0-1d0af18b-5b069232',
    '/sns/oauth2/access_token',
  );

  it('carries errcode, errmsg, endpoint, rid and retryable', () => {
    expect(error).toMatchObject({
      name: 'WeChatAPIError',
      errcode: 40163,
      errmsg: 'code been used, rid: 652d44d0-1d0af18b-5b069232',
      endpoint: '/sns/oauth2/access_token',
      rid: '652d44d0-1d0af18b-5b069232',
      retryable: false,
      status: 400,
      isCodeError: true,
    });
  });

  it('says what happened and what to do, without the rid noise', () => {
    expect(error.message).toBe(
      'WeChat API /sns/oauth2/access_token answered errcode 40163 (code been used): the code was already used (a double callback?); start a new login',
    );
    expect(String(error)).toBe(`WeChatAPIError: ${error.message}`);
  });

  it('reads the older hints/req_id form', () => {
    const old = new WeChatAPIError(
      40029,
      'invalid code, hints: [ req_id: LEgfftXIRa-BU8_9 ]',
      '/sns/oauth2/access_token',
    );
    expect(old.rid).toBe('LEgfftXIRa-BU8_9');
    expect(old.message).toContain('(invalid code)');
  });

  it('marks -1 retryable with status 503', () => {
    expect(new WeChatAPIError(-1, 'system error', '/sns/userinfo')).toMatchObject({ retryable: true, status: 503 });
  });

  it('has no hint for unknown errcodes and no rid when none was sent', () => {
    const e = new WeChatAPIError(99999, 'weird', '/sns/auth');
    expect(e.message).toBe('WeChat API /sns/auth answered errcode 99999 (weird)');
    expect(e.rid).toBeUndefined();
    expect(e.status).toBe(500);
  });
});

describe('WeChatTransportError and WeChatConfigError', () => {
  it('name the endpoint, host and kind', () => {
    const e = new WeChatTransportError('/sns/userinfo', 'api.weixin.qq.com', 'timeout', 'no answer within 5000 ms');
    expect(e).toMatchObject({
      name: 'WeChatTransportError',
      endpoint: '/sns/userinfo',
      host: 'api.weixin.qq.com',
      kind: 'timeout',
      retryable: true,
    });
    expect(e.message).toBe('WeChat API /sns/userinfo on api.weixin.qq.com failed (timeout): no answer within 5000 ms');
  });

  it('config errors are plain named errors', () => {
    expect(new WeChatConfigError('x')).toMatchObject({ name: 'WeChatConfigError', message: 'x' });
  });
});
