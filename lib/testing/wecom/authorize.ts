/**
 * The WeCom login surfaces (wecom-protocol.md §1, §7 "Authorize"): in-client 网页授权 on
 * `/connect/oauth2/authorize` (when `appid` is the corpID), 企业微信Web登录 on `/wwlogin/sso/login`,
 * the old `/wwopen/sso/qrConnect`, the `/wwopen/uriconfirm` domain-error page, and the emulator's own
 * `/wwopen/confirm` step (consent sheet / phone after a scan) that issues the codes.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appendToRedirect } from '../authorize.js';
import { readForm, redirect, sendHtml } from '../http.js';
import { randomUuid } from '../ids.js';
import { qrDataURL } from '../qr.js';
import type { MockWeComUser } from '../types.js';
import { hostOf, hostTrusted } from './domains.js';
import type { WeComAppRecord } from './fixture.js';
import {
  uriConfirmPage,
  wecomDeniedPage,
  wecomErrorPage,
  wecomLoginPage,
  wecomPickerPage,
  type WeComErrorInput,
} from './pages.js';
import type { WeComPending, WeComScope, WeComState } from './state.js';

export const WECOM_LOGIN_PATH = '/wwlogin/sso/login';
export const WECOM_QRCONNECT_PATH = '/wwopen/sso/qrConnect';
export const WECOM_URICONFIRM_PATH = '/wwopen/uriconfirm';
export const WECOM_CONFIRM_PATH = '/wwopen/confirm';
export const WECOM_PAGE_PATHS: ReadonlySet<string> = new Set([
  WECOM_LOGIN_PATH,
  WECOM_QRCONNECT_PATH,
  WECOM_URICONFIRM_PATH,
  WECOM_CONFIRM_PATH,
]);

/** A consent sheet waits 10 minutes; a QR code, like WeChat's, 5 (assumed, §1.3 is silent). */
const PENDING_TTL_MS: Readonly<Record<WeComPending['surface'], number>> = {
  oauth2: 10 * 60_000,
  wwlogin: 5 * 60_000,
  qrconnect: 5 * 60_000,
};

/** state rule of the in-client page: `a-zA-Z0-9`, ≤128 bytes (§1.1). */
const STATE_RE = /^[A-Za-z0-9]{0,128}$/;

const ERR = {
  noRedirect: { zh: 'redirect_uri参数错误', en: 'redirect_uri is missing' },
  badResponseType: { zh: '该链接无法访问（response_type 参数错误）', en: 'response_type must be code' },
  badScope: { zh: 'scope参数错误', en: 'scope must be snsapi_base or snsapi_privateinfo' },
  badAgentid: { zh: '无效的agentid参数', en: 'invalid agentid' },
  badState: { zh: '不符合的state参数', en: 'state must be [a-zA-Z0-9], at most 128 bytes (84025)' },
  badAppid: { zh: '该链接无法访问（appid 参数错误）', en: 'This link cannot be accessed (invalid appid)' },
  badLoginType: { zh: 'login_type参数错误', en: 'login_type must be CorpApp (ServiceApp is not emulated)' },
  unreachable: { zh: '该链接无法访问', en: 'This link cannot be accessed (redirect_uri is not on a trusted domain)' },
  outOfRange: { zh: '无权限访问，请联系管理员', en: 'No permission: the member is outside the app’s visible range' },
  noPermission: { zh: '无权限', en: 'No permission: the member is outside the app’s visible range' },
  expired: { zh: '二维码已失效，请刷新', en: 'This login request has expired; start again' },
  unknownUser: { zh: '未知的测试身份', en: 'Unknown test identity' },
  badDecision: { zh: '无效的操作', en: 'decision must be allow or deny' },
} satisfies Record<string, WeComErrorInput>;

function showError(res: ServerResponse, e: WeComErrorInput, status = 200): void {
  sendHtml(res, status, wecomErrorPage(e));
}

type Validated = Omit<WeComPending, 'expiresAt'>;

function agentOf(w: WeComState, agentid: string | null): WeComAppRecord | undefined | null {
  if (agentid === null || agentid === '') return undefined;
  return w.appByAgentID(agentid) ?? null;
}

/** The domain-error detour of the in-client page and wwlogin (§1.5). */
function uriConfirmLocation(uri: string): string {
  return `${WECOM_URICONFIRM_PATH}?err_type=domain_err&uri=${encodeURIComponent(uri)}`;
}

type Outcome = Validated | WeComErrorInput | { location: string };

/** In-client authorize (§1.1): no parameter order is enforced; connect_redirect, forcePopup and lang are ignored. */
function validateOauth2(w: WeComState, q: URLSearchParams): Outcome {
  const redirectURI = q.get('redirect_uri');
  if (!redirectURI) return ERR.noRedirect;
  if (q.get('response_type') !== 'code') return ERR.badResponseType;
  const rawScope = q.get('scope');
  // snsapi_userinfo only appears on old pages; its effect today is undocumented, so it acts as base (§1.1 ⚠️).
  let scope: WeComScope;
  if (rawScope === 'snsapi_base' || rawScope === 'snsapi_userinfo') scope = 'snsapi_base';
  else if (rawScope === 'snsapi_privateinfo') scope = 'snsapi_privateinfo';
  else return ERR.badScope;
  const app = agentOf(w, q.get('agentid'));
  if (app === null) return ERR.badAgentid;
  const host = hostOf(redirectURI);
  // "trusted by any of the corp's apps" (§7); the exchange then checks the token's own app (50001).
  if (host === undefined || !Object.values(w.apps).some((a) => hostTrusted(a.domains, host)))
    return { location: uriConfirmLocation(redirectURI) };
  if (scope === 'snsapi_privateinfo' && !app) {
    if (w.settings.privateinfoWithoutAgentid === 'error') return ERR.badAgentid;
    scope = 'snsapi_base';
  }
  const state = q.get('state') ?? '';
  if (w.settings.strictState && !STATE_RE.test(state)) return ERR.badState;
  return { surface: 'oauth2', app, scope, redirectURI, redirectHost: host, state };
}

/** wwlogin (§1.3) and qrConnect (§1.4): corpID, agentid and a redirect_uri on the agent's trusted domain. */
function validateBrowser(w: WeComState, surface: 'wwlogin' | 'qrconnect', q: URLSearchParams): Outcome {
  if (surface === 'wwlogin' && q.get('login_type') !== 'CorpApp') return ERR.badLoginType;
  if (q.get('appid') !== w.corpID) return ERR.badAppid;
  const app = agentOf(w, q.get('agentid'));
  if (!app) return ERR.badAgentid;
  const redirectURI = q.get('redirect_uri');
  if (!redirectURI) return ERR.noRedirect;
  const host = hostOf(redirectURI);
  if (host === undefined || !hostTrusted(app.domains, host))
    return surface === 'qrconnect' ? ERR.unreachable : { location: uriConfirmLocation(redirectURI) };
  // No charset rule for state here (§1.3); the old example state `web_login@gyoss9` is not alphanumeric.
  return { surface, app, scope: 'wwlogin', redirectURI, redirectHost: host, state: q.get('state') ?? '' };
}

/** 43 URL-safe chars like real codes (§1.1). */
function randomWeComCode(): string {
  return randomBytes(32).toString('base64url');
}

/** Issues a single-use code for `user`, bound to corp, identity, scope, agent and redirect host (§7 "Codes"). */
export function mintWeComCode(
  w: WeComState,
  user: MockWeComUser,
  scope: WeComScope,
  app: WeComAppRecord | undefined,
  redirectHost: string,
): string {
  const code = randomWeComCode();
  w.codes.set(code, { user, scope, app, redirectHost, used: false, expiresAt: Date.now() + w.settings.codeTtlMs });
  return code;
}

/** Members outside the agent's visible range get an error page on privateinfo and on QR login (§1.1, §1.4). */
function refusedMember(a: Validated, user: MockWeComUser): boolean {
  if (user.kind !== 'member' || !a.app || a.scope === 'snsapi_base') return false;
  return !a.app.visible.has((user.userid as string).toLowerCase());
}

function allow(w: WeComState, res: ServerResponse, a: Validated, user: MockWeComUser): void {
  if (refusedMember(a, user)) return showError(res, a.surface === 'oauth2' ? ERR.outOfRange : ERR.noPermission);
  const code = mintWeComCode(w, user, a.scope, a.app, a.redirectHost);
  // The existing query is kept and state is always emitted, even empty (§1.1 "Callback"), before any #fragment.
  const pairs: Array<[string, string]> = [
    ['code', code],
    ['state', a.state],
  ];
  if (a.surface === 'qrconnect' && w.settings.appendAppidToQrConnectCallback) pairs.push(['appid', w.corpID]);
  redirect(res, appendToRedirect(a.redirectURI, pairs));
}

/** qrConnect documents cancel → `redirect_uri?state=S` (§1.4); elsewhere WeCom's behaviour is undocumented (stay by default). */
function deny(w: WeComState, res: ServerResponse, a: Validated): void {
  if (a.surface === 'qrconnect' || w.settings.denyBehavior === 'redirect')
    redirect(res, appendToRedirect(a.redirectURI, [['state', a.state]]));
  else sendHtml(res, 200, wecomDeniedPage());
}

function pickerPage(w: WeComState, a: Validated, uuid: string): string {
  return wecomPickerPage({
    mode: a.surface === 'oauth2' ? 'consent' : 'scan',
    corpID: w.corpID,
    agentID: a.app?.agentID,
    uuid,
    users: w.users,
    defaultUserKey: w.defaultUser.key,
  });
}

async function start(w: WeComState, baseURL: string, res: ServerResponse, v: Outcome): Promise<void> {
  if ('location' in v) return redirect(res, baseURL + v.location);
  if ('zh' in v) return showError(res, v);
  const auto = w.autoConsent;
  if (auto) {
    const user = w.usersByKey.get(auto.user) as MockWeComUser;
    return auto.decision === 'allow' ? allow(w, res, v, user) : deny(w, res, v);
  }
  // snsapi_base is silent: an immediate 302 as the default member (§1.1 "Consent UI").
  if (v.scope === 'snsapi_base') return allow(w, res, v, w.defaultUser);
  const uuid = randomUuid();
  w.pending.set(uuid, { ...v, expiresAt: Date.now() + PENDING_TTL_MS[v.surface] });
  if (v.surface === 'oauth2') return sendHtml(res, 200, pickerPage(w, v, uuid));
  // Like the WeChat QR page: the code encodes the URL the phone would open.
  const confirmURL = `${baseURL}${WECOM_CONFIRM_PATH}?uuid=${uuid}`;
  sendHtml(res, 200, wecomLoginPage({ surface: v.surface, uuid, qrDataURL: await qrDataURL(confirmURL), confirmURL }));
}

/** `/connect/oauth2/authorize` with `appid` = corpID. */
export function handleWeComAuthorize(
  w: WeComState,
  baseURL: string,
  q: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  return start(w, baseURL, res, validateOauth2(w, q));
}

/**
 * `/wwopen/confirm`: GET with only `uuid` shows the sheet (what the QR code opens); POST (the form) or
 * GET with `decision` completes the login. One decision per sheet.
 */
async function confirm(w: WeComState, req: IncomingMessage, q: URLSearchParams, res: ServerResponse): Promise<void> {
  const params = req.method === 'POST' ? await readForm(req) : q;
  const uuid = params.get('uuid') ?? '';
  const pending = w.pending.get(uuid);
  if (!pending || pending.expiresAt <= Date.now()) return showError(res, ERR.expired);
  const decision = params.get('decision');
  if (decision === null) return sendHtml(res, 200, pickerPage(w, pending, uuid));
  if (decision !== 'allow' && decision !== 'deny') return showError(res, ERR.badDecision, 400);
  const userKey = params.get('user');
  const user = userKey === null ? w.defaultUser : w.usersByKey.get(userKey);
  if (!user) return showError(res, ERR.unknownUser, 400);
  w.pending.delete(uuid);
  if (decision === 'allow') allow(w, res, pending, user);
  else deny(w, res, pending);
}

/** The WeCom-only pages; `path` is one of {@link WECOM_PAGE_PATHS}. */
export async function handleWeComPage(
  w: WeComState,
  baseURL: string,
  path: string,
  req: IncomingMessage,
  q: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  if (path === WECOM_CONFIRM_PATH) return confirm(w, req, q, res);
  if (path === WECOM_URICONFIRM_PATH) return sendHtml(res, 200, uriConfirmPage(q.get('uri') ?? ''));
  return start(w, baseURL, res, validateBrowser(w, path === WECOM_LOGIN_PATH ? 'wwlogin' : 'qrconnect', q));
}
