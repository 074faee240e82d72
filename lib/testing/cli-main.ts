/**
 * `wechat-mock` command: runs the emulator standalone. Kept apart from the `cli.ts` shim so tests can
 * drive it in-process.
 */
import { createMockWeChat } from './emulator.js';
import { isFaultKind } from './faults.js';
import type { FaultKind, MockWeChat } from './types.js';

export const DEFAULT_CLI_PORT = 3900;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Something that emits SIGINT/SIGTERM — `process` in real use, an EventEmitter in tests. */
export interface SignalSource {
  once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface RunningCli {
  readonly mock: MockWeChat;
  /** Stops the emulator and removes the signal handlers. */
  stop(): Promise<void>;
  /** Settles once the emulator has stopped (by signal or by stop()). */
  readonly stopped: Promise<void>;
}

/** Exit status and, when the emulator runs, its handle. */
export interface CliResult {
  exitCode: number;
  running?: RunningCli;
}

const USAGE = `Usage: wechat-mock [--port N] [--host H] [--auto-consent USER[:deny]] [--fault PATH:KIND[:COUNT]] [--block USER]
                   [--wecom-auto-consent USER[:deny]] [--wecom-domain HOST[:PORT]] [--wecom-trusted-ip IP]
                   [--wecom-created-after-20220620]

Starts the WeChat OAuth emulator (passport-wechat-oauth2/testing).
  --port N                  TCP port (default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --host H                  interface to bind (default 127.0.0.1)
  --auto-consent USER       answer both authorize pages at once as USER (allow; USER:deny denies)
  --fault PATH:KIND[:COUNT] fail the next COUNT (default 1) requests to PATH with KIND
                            (timeout, reset, 502, html, truncated, slow, or an errcode); repeatable
  --block USER              WeChat's risk block: jscode2session answers 40226 for USER; repeatable
  --wecom-auto-consent USER answer the WeCom pages at once as WeCom identity USER (USER:deny declines)
  --wecom-domain HOST       trusted domain (可信域名) of both WeCom agents instead of localhost, 127.0.0.1;
                            HOST:PORT pins the port; repeatable
  --wecom-trusted-ip IP     trusted IP (企业可信IP) of both agents instead of 127.0.0.1, ::1; other callers
                            get 60020; repeatable
  --wecom-created-after-20220620
                            both agents count as created on or after 2022-06-20 (user/get drops
                            mobile, email, avatar, …)
  -h, --help                show this help

The control API (${'/__mock/…'}, see the README of passport-wechat-oauth2/testing) mints
Mini Program codes, SendAuth codes, phone codes and encryptedData at run time; so does

  wechat-mock mint js-code|app-code|phone-code|encrypted-data USER [--data JSON] [--url URL]

against a running emulator (default --url http://127.0.0.1:${DEFAULT_CLI_PORT}); it prints the JSON answer.`;

/** `mint` kinds and the control route each one calls. */
const MINT_ROUTES: Readonly<Record<string, string>> = {
  'js-code': 'miniprogram/login',
  'app-code': 'app/login',
  'phone-code': 'miniprogram/phone-code',
  'encrypted-data': 'miniprogram/encrypted-data',
};

/** `wechat-mock mint KIND USER [--data JSON] [--url URL]`: one control-API call, its JSON on stdout. */
async function runMint(argv: readonly string[], io: CliIo): Promise<CliResult> {
  const positional: string[] = [];
  let url = `http://127.0.0.1:${DEFAULT_CLI_PORT}`;
  let data: unknown;
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] as string;
      const [name, inline] =
        arg.startsWith('--') && arg.includes('=')
          ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
          : [arg, undefined];
      const value = (): string => {
        const v = inline ?? argv[++i];
        if (v === undefined || v === '') throw new Error(`${name} needs a value`);
        return v;
      };
      if (name === '--url') url = value().replace(/\/+$/, '');
      else if (name === '--data') data = JSON.parse(value());
      else if (name.startsWith('--')) throw new Error(`unknown option: ${arg}`);
      else positional.push(arg);
    }
    const [kind, user] = positional;
    const route = kind === undefined ? undefined : MINT_ROUTES[kind];
    if (!route || !user || positional.length > 2)
      throw new Error(`usage: wechat-mock mint ${Object.keys(MINT_ROUTES).join('|')} USER [--data JSON] [--url URL]`);
    const res = await fetch(`${url}/__mock/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, ...(data === undefined ? {} : { data }) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`the emulator answered ${res.status}: ${text}`);
    io.out(text);
    return { exitCode: 0 };
  } catch (e) {
    io.err(`wechat-mock mint: ${(e as Error).message}`);
    return { exitCode: 1 };
  }
}

const stdio: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

interface CliArgs {
  port: number;
  host: string;
  help: boolean;
  autoConsent?: { user: string; decision: 'allow' | 'deny' };
  faults?: Array<{ path: string; kind: FaultKind; count: number }>;
  blocked?: string[];
  wecomAutoConsent?: { user: string; decision: 'allow' | 'deny' };
  wecomDomains?: string[];
  wecomTrustedIPs?: string[];
  wecomCreatedAfter20220620?: boolean;
}

/** `USER[:allow|deny]` of the two auto-consent flags. */
function parseConsent(flag: string, raw: string): { user: string; decision: 'allow' | 'deny' } {
  const [user, decision = 'allow'] = raw.split(':');
  if (decision !== 'allow' && decision !== 'deny')
    throw new Error(`invalid ${flag} decision: ${decision} (allow or deny)`);
  return { user: user as string, decision };
}

/** `PATH:KIND[:COUNT]`; a numeric KIND is an errcode unless it names a fault (`502`). */
function parseFault(raw: string): { path: string; kind: FaultKind; count: number } {
  const m = /^(\/[^:]*):([^:]+)(?::(\d+))?$/.exec(raw);
  const rawKind = m?.[2] ?? '';
  const kind: unknown = isFaultKind(rawKind) || !/^-?\d+$/.test(rawKind) ? rawKind : Number(rawKind);
  if (!m || !isFaultKind(kind))
    throw new Error(`invalid fault: ${raw} (expected PATH:KIND[:COUNT], e.g. /sns/jscode2session:45011)`);
  return { path: m[1] as string, kind, count: m[3] === undefined ? 1 : Number(m[3]) };
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { port: DEFAULT_CLI_PORT, host: '127.0.0.1', help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '-h' || name === '--help') args.help = true;
    else if (name === '--port') {
      const raw = value();
      const port = Number(raw);
      if (!/^\d+$/.test(raw) || port > 65535) throw new Error(`invalid port: ${raw}`);
      args.port = port;
    } else if (name === '--host') args.host = value();
    else if (name === '--auto-consent') args.autoConsent = parseConsent(name, value());
    else if (name === '--wecom-auto-consent') args.wecomAutoConsent = parseConsent(name, value());
    else if (name === '--wecom-domain') (args.wecomDomains ??= []).push(value());
    else if (name === '--wecom-trusted-ip') (args.wecomTrustedIPs ??= []).push(value());
    else if (name === '--wecom-created-after-20220620') args.wecomCreatedAfter20220620 = true;
    else if (name === '--fault') (args.faults ??= []).push(parseFault(value()));
    else if (name === '--block') (args.blocked ??= []).push(value());
    else throw new Error(`unknown option: ${arg}`);
  }
  return args;
}

function banner(mock: MockWeChat): string[] {
  const [primary, secondary] = mock.apiBaseURL;
  return [
    `WeChat emulator listening on ${mock.url}`,
    '',
    `  authorizationURL (Official Account): ${mock.authorizationURL}`,
    `  qrconnectURL (website app):          ${mock.qrconnectURL}`,
    `  apiBaseURL:                          ${primary}  (api2 role: ${secondary})`,
    `  stats:                               ${mock.url}/__mock/stats`,
    `  control API:                         ${mock.url}/__mock/  (miniprogram/login, app/login, miniprogram/phone-code, miniprogram/encrypted-data, auto-consent, fault, reset, wecom/auto-consent, wecom/config, wecom/tokens, wecom/code)`,
    '',
    `  mp  (Official Account) appID ${mock.apps.mp.appID}  appSecret ${mock.apps.mp.appSecret}`,
    `  web (website app)      appID ${mock.apps.web.appID}  appSecret ${mock.apps.web.appSecret}`,
    `  miniprogram            appID ${mock.apps.miniprogram.appID}  appSecret ${mock.apps.miniprogram.appSecret}`,
    `  app (mobile, SendAuth) appID ${mock.apps.app.appID}  appSecret ${mock.apps.app.appSecret}`,
    '',
    `  WeCom (企业微信) corpID ${mock.apps.wecom.corpID}`,
    `    authorizationURL (in-client): ${mock.wecom.authorizationURL}`,
    `    loginURL (wwlogin):           ${mock.wecom.loginURL}`,
    `    qrConnectURL (old QR login):  ${mock.wecom.qrConnectURL}`,
    `    apiBaseURL (qyapi):           ${mock.wecom.apiBaseURL}`,
    `    wecom       agentID ${mock.apps.wecom.agentID}  agentSecret ${mock.apps.wecom.agentSecret}`,
    `    wecomOther  agentID ${mock.apps.wecomOther.agentID}  agentSecret ${mock.apps.wecomOther.agentSecret}`,
    '    Identities:',
    ...mock.wecomUsers.map(
      (u) =>
        `      ${u.key.padEnd(10)} ${u.kind.padEnd(7)} ${u.userid ?? u.openid ?? ''}${u.externalUserID ? `  external_userid ${u.externalUserID}` : ''}${u.kind === 'member' && !u.visible ? '  (outside the visible range)' : ''}`,
    ),
    '',
    '  Test users:',
    ...mock.users.map(
      (u) =>
        `    ${u.key.padEnd(10)} ${u.nickname}${u.snapshot ? '  (snapshot user)' : ''}  mp openid ${mock.openidOf('mp', u.key)}`,
    ),
    '',
    'Press Ctrl+C to stop.',
  ];
}

export async function runCli(
  argv: readonly string[],
  io: CliIo = stdio,
  signals: SignalSource = process,
): Promise<CliResult> {
  if (argv[0] === 'mint') return runMint(argv.slice(1), io);
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (e) {
    io.err(`wechat-mock: ${(e as Error).message}`);
    io.err(USAGE);
    return { exitCode: 2 };
  }
  if (args.help) {
    io.out(USAGE);
    return { exitCode: 0 };
  }
  const mock = await createMockWeChat({ port: args.port, host: args.host });
  try {
    if (args.autoConsent) mock.setAutoConsent(args.autoConsent);
    for (const f of args.faults ?? []) mock.setFault(f.path, f.kind, f.count);
    for (const user of args.blocked ?? []) mock.setUserBlocked(user, true);
    if (args.wecomAutoConsent) mock.setWeComAutoConsent(args.wecomAutoConsent);
    const patch = {
      ...(args.wecomDomains ? { domains: args.wecomDomains } : {}),
      ...(args.wecomTrustedIPs ? { trustedIPs: args.wecomTrustedIPs } : {}),
      ...(args.wecomCreatedAfter20220620 ? { createdAfter20220620: true } : {}),
    };
    mock.configureWeCom('wecom', patch);
    mock.configureWeCom('wecomOther', patch);
  } catch (e) {
    await mock.close();
    io.err(`wechat-mock: ${(e as Error).message}`);
    return { exitCode: 2 };
  }
  for (const line of banner(mock)) io.out(line);
  if (args.autoConsent) io.out(`Auto-consent: ${args.autoConsent.decision} as ${args.autoConsent.user}`);
  if (args.wecomAutoConsent)
    io.out(`WeCom auto-consent: ${args.wecomAutoConsent.decision} as ${args.wecomAutoConsent.user}`);

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
      await mock.close();
      resolveStopped();
    })();
    return stopping;
  };
  const onSignal = (): void => {
    io.out('Stopping WeChat emulator…');
    void stop();
  };
  signals.once('SIGINT', onSignal);
  signals.once('SIGTERM', onSignal);
  return { exitCode: 0, running: { mock, stop, stopped } };
}
