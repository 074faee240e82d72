/**
 * The qyapi role of the WeCom emulator (wecom-protocol.md §2, §3, §7 "gettoken" … "Envelope").
 */
import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import { get, json, qs, sleep, type HttpResult } from './helpers';
import { errmsgRe, exchangeWeComCode, expectWeComError, gettoken, postJson, qyapi } from './wecom-helpers';

describe('WeCom emulator APIs', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    mock = await createMockWeChat();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  const tokenURL = (corpid: string | null, secret: string | null): string => {
    const p: Array<[string, string]> = [];
    if (corpid !== null) p.push(['corpid', corpid]);
    if (secret !== null) p.push(['corpsecret', secret]);
    return `${mock.wecom.apiBaseURL}/cgi-bin/gettoken?${qs(p)}`;
  };

  describe('GET /cgi-bin/gettoken', () => {
    describe('with the corpid and an agent secret', () => {
      let r: HttpResult;
      beforeEach(async () => {
        r = await get(tokenURL(mock.apps.wecom.corpID, mock.apps.wecom.agentSecret));
      });

      it('answers HTTP 200 application/json; charset=UTF-8 with errcode 0 first and expires_in 7200', () => {
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
        const body = json(r);
        expect(Object.keys(body)).toEqual(['errcode', 'errmsg', 'access_token', 'expires_in']);
        expect(body).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
        expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{1,512}$/);
      });

      it('mirrors errcode/errmsg in Error-Code / Error-Msg headers', () => {
        expect(r.headers['error-code']).toBe('0');
        expect(r.headers['error-msg']).toBe('ok');
      });

      it('hands out the same token while it is valid', async () => {
        expect(await gettoken(mock)).toBe(json(r).access_token);
      });

      it('issues a different token for the other agent', async () => {
        expect(await gettoken(mock, 'wecomOther')).not.toBe(json(r).access_token);
      });
    });

    it.each([
      ['no corpid', null, 'secret', 41002, 'corpid missing'],
      ['no corpsecret', 'corp', null, 41004, 'corpsecret missing'],
      ['another corpid', 'ww0000000000000000', 'secret', 40013, 'invalid corpid'],
      ['a wrong secret', 'corp', 'nope', 40001, 'invalid credential'],
    ] as const)('%s → %i with the errmsg suffix', async (_n, corpid, secret, errcode, text) => {
      const r = await get(
        tokenURL(
          corpid === 'corp' ? mock.apps.wecom.corpID : corpid,
          secret === 'secret' ? mock.apps.wecom.agentSecret : secret,
        ),
      );
      expectWeComError(r, errcode, text);
      expect(r.headers['error-msg']).toBe(json(r).errmsg);
    });

    it('a disabled app → 50003', async () => {
      mock.configureWeCom('wecom', { enabled: false });
      expectWeComError(await get(tokenURL(mock.apps.wecom.corpID, mock.apps.wecom.agentSecret)), 50003);
    });

    it("tokenReuse: 'rotate' mints a new token per call and keeps the old one valid", async () => {
      const m = await createMockWeChat({ wecom: { tokenReuse: 'rotate' } });
      try {
        const a = await gettoken(m);
        const b = await gettoken(m);
        expect(b).not.toBe(a);
        const r = await qyapi(m, '/cgi-bin/user/get', [
          ['access_token', a],
          ['userid', 'zhangsan'],
        ]);
        expect(json(r).errcode).toBe(0);
      } finally {
        await m.close();
      }
    });
  });

  describe('trusted IP (企业可信IP)', () => {
    it('a caller outside the trusted IPs gets 60020 naming its IP, on gettoken', async () => {
      mock.configureWeCom('wecom', { trustedIPs: ['10.0.0.1'] });
      const r = await get(tokenURL(mock.apps.wecom.corpID, mock.apps.wecom.agentSecret));
      expectWeComError(r, 60020, 'not allow to access from your ip');
    });

    it('and on the code exchange, without consuming the code', async () => {
      const code = mock.wecomCode('zhangsan');
      const token = await gettoken(mock);
      mock.configureWeCom('wecom', { trustedIPs: ['10.0.0.1'] });
      const params: Array<[string, string]> = [
        ['access_token', token],
        ['code', code],
      ];
      expectWeComError(await qyapi(mock, '/cgi-bin/auth/getuserinfo', params), 60020);
      mock.configureWeCom('wecom', { trustedIPs: ['127.0.0.1'] });
      expect(json(await qyapi(mock, '/cgi-bin/auth/getuserinfo', params)).userid).toBe('ZhangSan');
    });

    it('an app created after 2022-06-20 with no trusted IP configured is refused everywhere', async () => {
      mock.configureWeCom('wecom', { createdAfter20220620: true, trustedIPs: [] });
      expectWeComError(await get(tokenURL(mock.apps.wecom.corpID, mock.apps.wecom.agentSecret)), 60020);
      mock.configureWeCom('wecom', { createdAfter20220620: false });
      expect(json(await get(tokenURL(mock.apps.wecom.corpID, mock.apps.wecom.agentSecret))).errcode).toBe(0);
    });
  });

  describe('GET /cgi-bin/auth/getuserinfo', () => {
    describe.each([
      ['a member (base)', 'zhangsan', 'snsapi_base', { userid: 'ZhangSan' }],
      ['a member (wwlogin)', 'lisi', 'wwlogin', { userid: 'LiSi' }],
      ['a linked-corp member (privateinfo)', 'linked', 'snsapi_privateinfo', { userid: 'wwa1b2c3d4e5f60718/ZhaoLiu' }],
      ['a guest', 'guest', 'snsapi_base', { openid: 'oGuest00000000000000000000001' }],
      [
        'a customer',
        'customer',
        'snsapi_base',
        { openid: 'oCustomer0000000000000000001', external_userid: 'wmCustomer00000000000000000000001' },
      ],
    ] as const)('for %s', (_name, user, scope, fields) => {
      it('answers exactly the documented lowercase body', async () => {
        const r = await exchangeWeComCode(mock, mock.wecomCode(user, { scope }));
        expect(json(r)).toEqual({ errcode: 0, errmsg: 'ok', ...fields });
      });
    });

    describe('for a visible member with snsapi_privateinfo', () => {
      it('adds a user_ticket (and no expires_in)', async () => {
        const body = json(await exchangeWeComCode(mock, mock.wecomCode('zhangsan', { scope: 'snsapi_privateinfo' })));
        expect(Object.keys(body)).toEqual(['errcode', 'errmsg', 'userid', 'user_ticket']);
      });

      it('no user_ticket when the agent has no sensitive fields enabled', async () => {
        mock.configureWeCom('wecom', { sensitiveFields: [] });
        const body = json(await exchangeWeComCode(mock, mock.wecomCode('zhangsan', { scope: 'snsapi_privateinfo' })));
        expect(body).not.toHaveProperty('user_ticket');
      });
    });

    describe('codes', () => {
      it('are single use: the second exchange → 40029 invalid code', async () => {
        const code = mock.wecomCode('zhangsan');
        expect(json(await exchangeWeComCode(mock, code)).errcode).toBe(0);
        expectWeComError(await exchangeWeComCode(mock, code), 40029, 'invalid code');
      });

      it('garbage → 40029; no code → 41008', async () => {
        expectWeComError(await exchangeWeComCode(mock, 'SZRRU2A6pcPne9frGWyhnKJ4gFR7ZFFsN4yzPHb7q7I'), 40029);
        expectWeComError(
          await qyapi(mock, '/cgi-bin/auth/getuserinfo', [['access_token', await gettoken(mock)]]),
          41008,
        );
      });

      it('expire after codeTtlSeconds → 40029', async () => {
        const m = await createMockWeChat({ wecom: { codeTtlSeconds: 0.2 } });
        try {
          const code = m.wecomCode('zhangsan');
          await sleep(300);
          expectWeComError(await exchangeWeComCode(m, code), 40029);
        } finally {
          await m.close();
        }
      });

      it("a code for a host the token's app does not trust → 50001, and the code survives", async () => {
        mock.configureWeCom('wecomOther', { domains: ['127.0.0.1'] });
        const code = mock.wecomCode('zhangsan', { redirectURI: 'http://localhost:3000/cb' });
        expectWeComError(await exchangeWeComCode(mock, code, 'wecomOther'), 50001, 'redirect_uri unauthorized');
        expect(json(await exchangeWeComCode(mock, code, 'wecom')).userid).toBe('ZhangSan');
      });

      it('a domain entry with a port must match the port', async () => {
        mock.configureWeCom('wecom', { domains: ['localhost:3000'] });
        const ok = mock.wecomCode('zhangsan', { redirectURI: 'http://localhost:3000/cb' });
        const bad = mock.wecomCode('zhangsan', { redirectURI: 'http://localhost:4000/cb' });
        expect(json(await exchangeWeComCode(mock, ok)).errcode).toBe(0);
        expectWeComError(await exchangeWeComCode(mock, bad), 50001);
      });

      it("another agent's token of the same corp redeems a code on a shared domain", async () => {
        expect(json(await exchangeWeComCode(mock, mock.wecomCode('zhangsan'), 'wecomOther')).userid).toBe('ZhangSan');
      });
    });

    describe('tokens', () => {
      const call = (token: string): Promise<HttpResult> =>
        qyapi(mock, '/cgi-bin/auth/getuserinfo', [
          ['access_token', token],
          ['code', mock.wecomCode('zhangsan')],
        ]);

      it('missing → 41001, unknown → 40014', async () => {
        expectWeComError(await qyapi(mock, '/cgi-bin/auth/getuserinfo', [['code', 'x']]), 41001);
        expectWeComError(await call('nope'), 40014, 'invalid access_token');
      });

      it('expireWeComTokens → 42001, then gettoken hands out a new token', async () => {
        const old = await gettoken(mock);
        mock.expireWeComTokens();
        expectWeComError(await call(old), 42001, 'access_token expired');
        const fresh = await gettoken(mock);
        expect(fresh).not.toBe(old);
        expect(json(await call(fresh)).errcode).toBe(0);
      });

      it('revokeWeComTokens(agent) → 40014 for that agent only', async () => {
        const a = await gettoken(mock);
        const b = await gettoken(mock, 'wecomOther');
        mock.revokeWeComTokens('wecom');
        expectWeComError(await call(a), 40014);
        expect(json(await call(b)).errcode).toBe(0);
      });

      it('expire after tokenTtlSeconds; expiredToken: 40014 answers 40014 instead', async () => {
        const m1 = await createMockWeChat({ wecom: { tokenTtlSeconds: 0.2 } });
        const m2 = await createMockWeChat({ wecom: { tokenTtlSeconds: 0.2, expiredToken: 40014 } });
        try {
          const t1 = await gettoken(m1);
          const t2 = await gettoken(m2);
          await sleep(300);
          const p = (m: MockWeChat, t: string): Promise<HttpResult> =>
            qyapi(m, '/cgi-bin/user/get', [
              ['access_token', t],
              ['userid', 'ZhangSan'],
            ]);
          expectWeComError(await p(m1, t1), 42001);
          expectWeComError(await p(m2, t2), 40014);
        } finally {
          await Promise.all([m1.close(), m2.close()]);
        }
      });
    });
  });

  describe('GET /cgi-bin/user/getuserinfo (old)', () => {
    it('answers PascalCase UserId + DeviceId, and user_ticket + expires_in for privateinfo', async () => {
      const code = mock.wecomCode('zhangsan', { scope: 'snsapi_privateinfo' });
      const body = json(await exchangeWeComCode(mock, code, 'wecom', '/cgi-bin/user/getuserinfo'));
      expect(Object.keys(body)).toEqual(['errcode', 'errmsg', 'UserId', 'DeviceId', 'user_ticket', 'expires_in']);
      expect(body).toMatchObject({ UserId: 'ZhangSan', expires_in: 1800 });
    });

    it('answers OpenId + DeviceId (+ external_userid) for non-members', async () => {
      const body = json(
        await exchangeWeComCode(mock, mock.wecomCode('customer'), 'wecom', '/cgi-bin/user/getuserinfo'),
      );
      expect(body).toEqual({
        errcode: 0,
        errmsg: 'ok',
        OpenId: 'oCustomer0000000000000000001',
        DeviceId: '',
        external_userid: 'wmCustomer00000000000000000000001',
      });
    });

    it('shares the single-use codes with the new endpoint', async () => {
      const code = mock.wecomCode('zhangsan');
      expect(json(await exchangeWeComCode(mock, code)).errcode).toBe(0);
      expectWeComError(await exchangeWeComCode(mock, code, 'wecom', '/cgi-bin/user/getuserinfo'), 40029);
    });
  });

  describe('POST /cgi-bin/auth/getuserdetail', () => {
    async function ticketFor(m: MockWeChat, user = 'zhangsan'): Promise<string> {
      const body = json(await exchangeWeComCode(m, m.wecomCode(user, { scope: 'snsapi_privateinfo' })));
      return body.user_ticket as string;
    }

    it('answers the sensitive fields, gender as a string, and no name', async () => {
      const ticket = await ticketFor(mock);
      const body = json(
        await postJson(mock, '/cgi-bin/auth/getuserdetail', await gettoken(mock), { user_ticket: ticket }),
      );
      expect(body).toEqual({
        errcode: 0,
        errmsg: 'ok',
        userid: 'ZhangSan',
        gender: '1',
        avatar: `${mock.url}/avatar/wecom-zhangsan.svg`,
        qr_code: expect.stringMatching(/^https:\/\/open\.work\.weixin\.qq\.com\/wwopen\/userQRCode\?vcode=/),
        mobile: '13800000001',
        email: 'zhangsan@example.com',
        biz_mail: 'zhangsan@mockcorp.wecom.work',
        address: '广州市海珠区新港中路',
      });
    });

    it('answers only the fields the admin enabled', async () => {
      mock.configureWeCom('wecom', { sensitiveFields: ['mobile'] });
      const ticket = await ticketFor(mock);
      const body = json(
        await postJson(mock, '/cgi-bin/auth/getuserdetail', await gettoken(mock), { user_ticket: ticket }),
      );
      expect(body).toEqual({ errcode: 0, errmsg: 'ok', userid: 'ZhangSan', mobile: '13800000001' });
    });

    it('the old /cgi-bin/user/getuserdetail also answers name, department and position', async () => {
      const ticket = await ticketFor(mock, 'lisi');
      const body = json(
        await postJson(mock, '/cgi-bin/user/getuserdetail', await gettoken(mock), { user_ticket: ticket }),
      );
      expect(body).toMatchObject({ userid: 'LiSi', name: '李四', department: [3], position: '工程师', gender: '2' });
    });

    it.each([
      ['no user_ticket', {}, 84090],
      ['an unknown ticket', { user_ticket: 'nope' }, 84015],
      ['a non-JSON body', 'user_ticket=x', 47001],
    ] as const)('%s → %i', async (_n, body, errcode) => {
      expectWeComError(await postJson(mock, '/cgi-bin/auth/getuserdetail', await gettoken(mock), body), errcode);
    });

    it("another agent's token → 84015", async () => {
      const ticket = await ticketFor(mock);
      const r = await postJson(mock, '/cgi-bin/auth/getuserdetail', await gettoken(mock, 'wecomOther'), {
        user_ticket: ticket,
      });
      expectWeComError(r, 84015);
    });

    it('a GET → 43002', async () => {
      const r = await qyapi(mock, '/cgi-bin/auth/getuserdetail', [['access_token', await gettoken(mock)]]);
      expectWeComError(r, 43002);
    });

    it('an expired ticket → 84014', async () => {
      const m = await createMockWeChat({ wecom: { userTicketTtlSeconds: 0.2 } });
      try {
        const ticket = await ticketFor(m);
        await sleep(300);
        expectWeComError(
          await postJson(m, '/cgi-bin/auth/getuserdetail', await gettoken(m), { user_ticket: ticket }),
          84014,
        );
      } finally {
        await m.close();
      }
    });
  });

  describe('GET /cgi-bin/user/get', () => {
    const userGet = async (userid: string, agent: 'wecom' | 'wecomOther' = 'wecom'): Promise<HttpResult> =>
      qyapi(mock, '/cgi-bin/user/get', [
        ['access_token', await gettoken(mock, agent)],
        ['userid', userid],
      ]);

    it('matches the userid case-insensitively and answers it in its stored case', async () => {
      const body = json(await userGet('zhangsan'));
      expect(body).toMatchObject({
        errcode: 0,
        userid: 'ZhangSan',
        name: '张三',
        department: [1, 2],
        position: '产品经理',
        mobile: '13800000001',
        gender: '1',
        email: 'zhangsan@example.com',
      });
    });

    it('strips avatar, gender, mobile, email, … for apps created after 2022-06-20, keeping name', async () => {
      mock.configureWeCom('wecom', { createdAfter20220620: true });
      const body = json(await userGet('ZhangSan'));
      expect(body).toMatchObject({ userid: 'ZhangSan', name: '张三', department: [1, 2], position: '产品经理' });
      for (const k of ['avatar', 'thumb_avatar', 'gender', 'mobile', 'email', 'biz_mail', 'qr_code', 'address'])
        expect(body).not.toHaveProperty(k);
    });

    it('an openid or a linked-corp id → 60111 userid not found', async () => {
      expectWeComError(await userGet('oGuest00000000000000000000001'), 60111, 'userid not found');
      expectWeComError(await userGet('wwa1b2c3d4e5f60718/ZhaoLiu'), 60111);
    });

    it("a member outside the token app's visible range → 60011", async () => {
      expectWeComError(await userGet('WangWu'), 60011, 'no privilege to access/modify contact/party/agent');
      mock.configureWeCom('wecomOther', { visibleUserIDs: ['wangwu'] });
      expect(json(await userGet('WangWu', 'wecomOther')).errcode).toBe(0);
    });

    it('no userid → 41009', async () => {
      expectWeComError(await qyapi(mock, '/cgi-bin/user/get', [['access_token', await gettoken(mock)]]), 41009);
    });
  });

  describe('envelope', () => {
    it('errmsg follows "<text>, hint: [...], from ip: ..., more info at ...?e=N"', async () => {
      const r = await exchangeWeComCode(mock, 'garbage');
      expect(json(r).errmsg).toMatch(errmsgRe('invalid code', 40029));
      expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    });
  });
});
