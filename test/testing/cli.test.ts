import { EventEmitter } from 'node:events';
import { DEFAULT_CLI_PORT, parseCliArgs, runCli, type CliIo } from '../../lib/testing/cli-main';
import { get, request } from './helpers';

function captureIo(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('wechat-mock CLI', () => {
  describe('parseCliArgs', () => {
    it('defaults to 127.0.0.1:3900', () => {
      expect(parseCliArgs([])).toEqual({ port: DEFAULT_CLI_PORT, host: '127.0.0.1', help: false });
      expect(DEFAULT_CLI_PORT).toBe(3900);
    });

    it('reads --port/--host in both spellings', () => {
      expect(parseCliArgs(['--port', '4000', '--host=0.0.0.0'])).toEqual({ port: 4000, host: '0.0.0.0', help: false });
      expect(parseCliArgs(['--port=0', '--host', 'localhost', '-h'])).toEqual({
        port: 0,
        host: 'localhost',
        help: true,
      });
    });

    it('parses --auto-consent, repeated --fault and --block', () => {
      expect(
        parseCliArgs([
          '--auto-consent',
          'alice',
          '--fault=/sns/jscode2session:45011',
          '--fault',
          '/api2/sns/userinfo:502:3',
          '--block',
          'bob',
        ]),
      ).toEqual({
        port: DEFAULT_CLI_PORT,
        host: '127.0.0.1',
        help: false,
        autoConsent: { user: 'alice', decision: 'allow' },
        faults: [
          { path: '/sns/jscode2session', kind: 45011, count: 1 },
          { path: '/api2/sns/userinfo', kind: '502', count: 3 },
        ],
        blocked: ['bob'],
      });
      expect(parseCliArgs(['--auto-consent=bob:deny']).autoConsent).toEqual({ user: 'bob', decision: 'deny' });
    });

    it.each([
      [['--auto-consent', 'alice:maybe'], /invalid --auto-consent decision/],
      [['--fault', 'sns/userinfo:502'], /invalid fault/],
      [['--fault', '/sns/userinfo:explode'], /invalid fault/],
      [['--port', 'abc'], /invalid port: abc/],
      [['--port', '70000'], /invalid port/],
      [['--port'], /--port needs a value/],
      [['--host='], /--host needs a value/],
      [['--verbose'], /unknown option: --verbose/],
    ])('rejects %j', (argv, message) => {
      expect(() => parseCliArgs(argv)).toThrow(message);
    });
  });

  describe('runCli', () => {
    it('prints usage for --help and exits 0', async () => {
      const io = captureIo();
      expect(await runCli(['--help'], io, new EventEmitter())).toEqual({ exitCode: 0 });
      expect(io.lines.join('\n')).toMatch(/^Usage: wechat-mock \[--port N\] \[--host H\]/);
    });

    it('reports bad arguments on stderr and exits 2', async () => {
      const io = captureIo();
      expect(await runCli(['--nope'], io, new EventEmitter())).toEqual({ exitCode: 2 });
      expect(io.errors[0]).toBe('wechat-mock: unknown option: --nope');
      expect(io.lines).toEqual([]);
    });

    describe('when started', () => {
      it('prints URLs, credentials and users, serves, and stops on SIGINT', async () => {
        const io = captureIo();
        const signals = new EventEmitter();
        const result = await runCli(['--port', '0'], io, signals);
        const running = result.running;
        if (!running) throw new Error('not running');
        const { mock } = running;
        const out = io.lines.join('\n');
        expect(out).toContain(`WeChat emulator listening on ${mock.url}`);
        expect(out).toContain(mock.authorizationURL);
        expect(out).toContain(mock.qrconnectURL);
        expect(out).toContain(`${mock.url}/api2`);
        expect(out).toContain(`appID ${mock.apps.mp.appID}  appSecret ${mock.apps.mp.appSecret}`);
        expect(out).toContain(`appID ${mock.apps.web.appID}  appSecret ${mock.apps.web.appSecret}`);
        expect(out).toContain('Alice 爱丽丝');
        expect(out).toContain('(snapshot user)');
        expect((await get(`${mock.url}/avatar/alice.svg`)).status).toBe(200);
        expect(signals.listenerCount('SIGINT')).toBe(1);

        signals.emit('SIGINT');
        await running.stopped;
        expect(io.lines).toContain('Stopping WeChat emulator…');
        expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
        await expect(get(`${mock.url}/avatar/alice.svg`)).rejects.toThrow(/ECONNREFUSED/);
      });

      it('applies --auto-consent, --fault and --block, and the control API drives it from another process', async () => {
        const io = captureIo();
        const { running } = await runCli(
          ['--port=0', '--auto-consent', 'bob', '--fault', '/sns/userinfo:html:2', '--block', 'alice'],
          io,
          new EventEmitter(),
        );
        if (!running) throw new Error('not running');
        const { mock } = running;
        try {
          expect(io.lines).toContain('Auto-consent: allow as bob');
          const out = io.lines.join('\n');
          expect(out).toContain(`appID ${mock.apps.miniprogram.appID}  appSecret ${mock.apps.miniprogram.appSecret}`);
          expect(out).toContain(`appID ${mock.apps.app.appID}  appSecret ${mock.apps.app.appSecret}`);
          expect(out).toContain(`${mock.url}/__mock/`);
          const authorize = `${mock.authorizationURL}?appid=${mock.apps.mp.appID}&redirect_uri=${encodeURIComponent('http://localhost/cb')}&response_type=code&scope=snsapi_userinfo&state=s`;
          expect((await get(authorize)).status).toBe(302);
          expect((await get(`${mock.url}/sns/userinfo`)).headers['content-type']).toMatch(/text\/html/);
          const minted = await request(`${mock.url}/__mock/miniprogram/login`, {
            method: 'POST',
            body: JSON.stringify({ user: 'alice' }),
            headers: { 'Content-Type': 'application/json' },
          });
          const code = (JSON.parse(minted.body) as { code: string }).code;
          const { appID, appSecret } = mock.apps.miniprogram;
          const r = await get(
            `${mock.url}/sns/jscode2session?appid=${appID}&secret=${appSecret}&js_code=${code}&grant_type=authorization_code`,
          );
          expect(JSON.parse(r.body).errcode).toBe(40226);
        } finally {
          await running.stop();
        }
      });

      it('exits 2 for an unknown --auto-consent or --block user, and stops the emulator it started', async () => {
        for (const argv of [
          ['--auto-consent', 'mallory'],
          ['--block', 'mallory'],
        ]) {
          const io = captureIo();
          expect(await runCli(['--port=0', ...argv], io, new EventEmitter())).toEqual({ exitCode: 2 });
          expect(io.errors[0]).toMatch(/unknown user/);
        }
      });

      it('mint prints what the control API minted from a running emulator', async () => {
        const { running } = await runCli(['--port=0'], captureIo(), new EventEmitter());
        if (!running) throw new Error('not running');
        const { mock } = running;
        try {
          const io = captureIo();
          expect(await runCli(['mint', 'js-code', 'bob', '--url', mock.url + '/'], io)).toEqual({ exitCode: 0 });
          const { code } = JSON.parse(io.lines[0] as string) as { code: string };
          const { appID, appSecret } = mock.apps.miniprogram;
          const r = await get(
            `${mock.url}/sns/jscode2session?appid=${appID}&secret=${appSecret}&js_code=${code}&grant_type=authorization_code`,
          );
          expect(JSON.parse(r.body).openid).toBe(mock.openidOf('miniprogram', 'bob'));
          const data = captureIo();
          expect(
            await runCli(['mint', 'encrypted-data', 'alice', '--data={"x":1}', `--url=${mock.url}`], data),
          ).toEqual({ exitCode: 0 });
          expect(JSON.parse(data.lines[0] as string)).toEqual({
            encryptedData: expect.any(String),
            iv: expect.any(String),
          });
          for (const [argv, message] of [
            [['mint', 'js-code', 'mallory', '--url', mock.url], /answered 400.*unknown user/],
            [['mint', 'nothing', 'bob'], /usage: wechat-mock mint/],
            [['mint', 'js-code'], /usage/],
            [['mint', 'js-code', 'bob', '--data', '{oops', '--url', mock.url], /JSON/],
            [['mint', 'js-code', 'bob', '--url'], /--url needs a value/],
            [['mint', 'js-code', 'bob', '--verbose'], /unknown option/],
          ] as const) {
            const failed = captureIo();
            expect(await runCli(argv, failed)).toEqual({ exitCode: 1 });
            expect(failed.errors[0]).toMatch(message);
          }
        } finally {
          await running.stop();
        }
      });

      it('stop() stops it too (and is idempotent)', async () => {
        const signals = new EventEmitter();
        const { running } = await runCli(['--port=0'], captureIo(), signals);
        if (!running) throw new Error('not running');
        await Promise.all([running.stop(), running.stop()]);
        await running.stopped;
        expect(signals.listenerCount('SIGTERM')).toBe(0);
        await expect(get(`${running.mock.url}/`)).rejects.toThrow(/ECONNREFUSED/);
      });
    });
  });
});
