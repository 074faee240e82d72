/**
 * HTML pages, rendered from template functions (no template files to find at
 * runtime). Every interpolated value goes through `escapeHtml`. Labels are
 * Chinese + English. Element ids are stable: the browser test clicks them.
 */
import type { WeChatFailureReason, WeComFailureReason } from 'passport-wechat-oauth2';
import type { WeChatMode } from './config';

export interface AppUser {
  /** The openid (unique per app). */
  id: string;
  openid: string;
  unionid?: string;
  appID: string;
  client: 'mp' | 'web';
  scope: string;
  displayName: string;
  avatar?: string;
  isSnapshotUser: boolean;
}

/** Who logged in with WeCom (企业微信): a member, a linked-corp member, or (where allowed) a guest. */
export interface WeComUser {
  provider: 'wecom';
  /** The strategy's stable key (a member's `corpID/userid`). */
  id: string;
  corpID: string;
  kind: 'member' | 'linked' | 'guest';
  userID?: string;
  openid?: string;
  client: 'wecom' | 'web';
  displayName?: string;
  department?: number[];
  position?: string;
}

/** The strategies' failure reasons (WeChat's and WeCom's), plus one for anything else. */
export type FailureReason = WeChatFailureReason | WeComFailureReason | 'unknown';

export const FAILURE_REASONS: readonly FailureReason[] = [
  'access_denied',
  'invalid_code',
  'snapshot_user',
  'invalid_state',
  'invalid_request',
  'login_interrupted',
  'not_member',
  'not_in_app_scope',
  'unknown',
];

/** A failure message from the strategy (or a query parameter), as one of the reasons this app has a page for. */
export function toFailureReason(value: unknown): FailureReason {
  return FAILURE_REASONS.includes(value as FailureReason) ? (value as FailureReason) : 'unknown';
}

export interface SiteInfo {
  mode: WeChatMode;
  /** Emulator base URL in the mock modes. */
  mockURL?: string;
  /** Which login surfaces have credentials. */
  clients: { mp: boolean; web: boolean; wecom?: boolean };
  /** Test users of the in-process emulator (shown on the home page). */
  testUsers?: ReadonlyArray<{ key: string; nickname: string; snapshot: boolean }>;
  /** WeCom identities of the in-process emulator (shown on the home page). */
  weComTestUsers?: ReadonlyArray<{ key: string; kind: string; name?: string; visible: boolean }>;
  /** The code-login surfaces: which have credentials, and whether the simulated Mini Program page is served. */
  codeSurfaces?: { miniprogram: boolean; app: boolean; simulator: boolean };
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",Helvetica,Arial,sans-serif;background:#f5f5f5;color:#191919}
main{max-width:560px;margin:0 auto;padding:24px 16px}
h1{font-size:22px;font-weight:600}.en{color:#777;font-size:14px}
.card{background:#fff;border-radius:8px;padding:20px;margin:16px 0}
.notice{background:#fff8e1;border:1px solid #ffe082;border-radius:6px;padding:10px 14px;font-size:14px}
.btn{display:block;box-sizing:border-box;width:100%;margin:10px 0;padding:12px;border:0;border-radius:6px;font-size:16px;text-align:center;text-decoration:none;cursor:pointer;background:#07c160;color:#fff}
.btn.secondary{background:#fff;color:#07c160;border:1px solid #07c160}.btn.disabled{background:#ddd;color:#888;pointer-events:none}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 14px;word-break:break-all}dt{color:#777}
.avatar{width:88px;height:88px;border-radius:8px;display:block;margin-bottom:12px}
.error{color:#fa5151}code{font-size:13px}`;

function layout(title: string, body: string, site?: SiteInfo, attrs = ''): string {
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body${attrs}><main>${site ? modeNotice(site) : ''}${body}
<p class="en"><a href="/">首页 Home</a> · passport-wechat-oauth2 example</p></main></body></html>`;
}

function modeNotice(site: SiteInfo): string {
  if (site.mode === 'mock' && site.mockURL) {
    return `<p class="notice" id="mode-notice" data-mode="mock">使用内置的微信模拟器 Using the bundled WeChat emulator at <code>${escapeHtml(site.mockURL)}</code> (no WeChat account needed)</p>`;
  }
  if (site.mode === 'standalone-mock' && site.mockURL) {
    return `<p class="notice" id="mode-notice" data-mode="standalone-mock">使用独立运行的微信模拟器 Using a standalone WeChat emulator at <code>${escapeHtml(site.mockURL)}</code> (no WeChat account needed)</p>`;
  }
  return '';
}

function loginButton(id: string, href: string, enabled: boolean, zh: string, en: string, secondary = false): string {
  const cls = `btn${secondary ? ' secondary' : ''}${enabled ? '' : ' disabled'}`;
  if (!enabled)
    return `<span class="${cls}" id="${id}" aria-disabled="true">${escapeHtml(zh)} ${escapeHtml(en)} (not configured)</span>`;
  return `<a class="${cls}" id="${id}" href="${escapeHtml(href)}">${escapeHtml(zh)} ${escapeHtml(en)}</a>`;
}

function displayNameOf(user: AppUser | WeComUser): string {
  if ('provider' in user) return user.displayName || user.userID || user.openid || user.id;
  return user.displayName || user.openid;
}

export function homePage(site: SiteInfo, user: AppUser | WeComUser | undefined): string {
  const who = user
    ? `<div class="card"><p id="logged-in">已登录 Logged in as <strong>${escapeHtml(displayNameOf(user))}</strong> — <a href="/profile">个人资料 Profile</a></p>${logoutForm()}</div>`
    : '';
  const users = site.testUsers?.length
    ? `<div class="card"><p>模拟器测试用户 Emulator test users (pick one on the consent page):</p><ul>${site.testUsers
        .map(
          (u) =>
            `<li>${escapeHtml(u.nickname)} <code>${escapeHtml(u.key)}</code>${u.snapshot ? ' — 快照页用户 snapshot user (login fails on purpose)' : ''}</li>`,
        )
        .join('')}</ul></div>`
    : '';
  return layout(
    '微信登录示例 WeChat login example',
    `<h1>微信登录示例</h1><p class="en">WeChat login example (passport-wechat-oauth2)</p>${who}
<div class="card">
${loginButton('login-mp', '/login?client=mp', site.clients.mp, '微信内登录', 'Log in inside WeChat')}
${loginButton('login-web', '/login?client=web', site.clients.web, '扫码登录', 'Log in with a QR code', true)}
${loginButton('login-auto', '/login?client=auto', site.clients.mp || site.clients.web, '自动选择', 'Automatic (in WeChat → in-app, otherwise QR)', true)}
</div>${weComCard(site)}${codeSurfacesCard(site)}${users}`,
    site,
    ' data-page="home"',
  );
}

/** WeCom login: in the WeCom client the in-client login, elsewhere the browser login's QR page (`client: 'auto'`). */
function weComCard(site: SiteInfo): string {
  const users = site.weComTestUsers?.length
    ? `<p class="en">模拟器企业微信身份 Emulator WeCom identities:</p><ul id="wecom-test-users">${site.weComTestUsers
        .map(
          (u) =>
            `<li>${escapeHtml(u.name ?? u.key)} <code>${escapeHtml(u.key)}</code> ${escapeHtml(u.kind)}${u.visible ? '' : ' — 不在应用可见范围 outside the visible range (login fails on purpose)'}${u.kind === 'guest' ? ' (login fails on purpose: not a member)' : ''}</li>`,
        )
        .join('')}</ul>`
    : '';
  return `<div class="card" id="wecom">
${loginButton('login-wecom', '/auth/wecom', Boolean(site.clients.wecom), '企业微信登录', 'Log in with WeCom (in WeCom → in-app, otherwise QR)')}
${users}</div>`;
}

/** The Mini Program and App logins: JSON endpoints a client app posts its code to, and the simulated Mini Program that does it here. */
function codeSurfacesCard(site: SiteInfo): string {
  const s = site.codeSurfaces ?? { miniprogram: false, app: false, simulator: false };
  const endpoint = (id: string, zh: string, en: string, path: string, enabled: boolean): string =>
    `<li id="${id}">${escapeHtml(zh)} ${escapeHtml(en)}: <code>POST ${escapeHtml(path)}</code>${enabled ? '' : ' (not configured)'}</li>`;
  const simulator = s.simulator
    ? loginButton('open-miniprogram', '/miniprogram', true, '模拟小程序', 'Simulated Mini Program', true)
    : '<p class="en" id="no-simulator">模拟小程序只在使用模拟器时提供 The simulated Mini Program is served with the emulator only.</p>';
  return `<div class="card" id="code-surfaces"><p>小程序与移动应用 Mini Program and mobile App (they post <code>{"code": "…"}</code> as JSON):</p>
${simulator}
<ul>${endpoint('endpoint-miniprogram', '小程序登录', 'Mini Program login', '/auth/wechat/miniprogram', s.miniprogram)}
${endpoint('endpoint-app', '移动应用登录', 'App login (SendAuth)', '/auth/wechat/app', s.app)}</ul></div>`;
}

function logoutForm(): string {
  return `<form method="post" action="/logout"><button class="btn secondary" type="submit" id="logout">退出登录 Log out</button></form>`;
}

/** Only http(s) avatar URLs are rendered. */
function safeImageURL(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const WECOM_KIND: Readonly<Record<WeComUser['kind'], string>> = {
  member: '成员 member',
  linked: '互联企业成员 linked-corp member',
  guest: '非成员 guest',
};

function weComProfilePage(site: SiteInfo, user: WeComUser): string {
  const row = (id: string, zh: string, en: string, value: string): string =>
    `<dt>${escapeHtml(zh)} ${escapeHtml(en)}</dt><dd id="${id}">${escapeHtml(value)}</dd>`;
  const idRow = user.userID
    ? row('wecom-userid', 'UserID', '', user.userID)
    : row('wecom-openid', 'OpenID', '', user.openid ?? '—');
  return layout(
    '个人资料 Profile',
    `<h1>个人资料</h1><p class="en">Your WeCom (企业微信) profile</p>
<div class="card" data-provider="wecom">
<dl>
${row('wecom-kind', '身份', 'Kind', WECOM_KIND[user.kind])}
${idRow}
${row('wecom-name', '姓名', 'Name', user.displayName ?? '—')}
${row('wecom-department', '部门', 'Department', user.department?.length ? user.department.join(', ') : '—')}
${row('wecom-position', '职务', 'Position', user.position ?? '—')}
${row('wecom-corpid', 'CorpID', '', user.corpID)}
${row('wecom-client', '登录方式', 'Login type', user.client === 'wecom' ? '企业微信内 in WeCom' : '浏览器扫码 browser (wwlogin)')}
</dl>
${logoutForm()}
</div>`,
    site,
    ' data-page="profile"',
  );
}

export function profilePage(site: SiteInfo, user: AppUser | WeComUser): string {
  if ('provider' in user) return weComProfilePage(site, user);
  const avatar = safeImageURL(user.avatar);
  const row = (id: string, zh: string, en: string, value: string): string =>
    `<dt>${escapeHtml(zh)} ${escapeHtml(en)}</dt><dd id="${id}">${escapeHtml(value)}</dd>`;
  return layout(
    '个人资料 Profile',
    `<h1>个人资料</h1><p class="en">Your WeChat profile</p>
<div class="card">
${avatar ? `<img class="avatar" id="avatar" src="${escapeHtml(avatar)}" alt="头像 avatar" width="88" height="88">` : ''}
<dl>
${row('nickname', '昵称', 'Nickname', user.displayName || '—')}
${row('openid', 'OpenID', '', user.openid)}
${row('unionid', 'UnionID', '', user.unionid ?? '—')}
${row('appid', 'AppID', '', user.appID)}
${row('client', '登录方式', 'Login type', user.client === 'mp' ? '微信内 in WeChat (mp)' : '扫码 QR code (web)')}
${row('scope', '授权范围', 'Scope', user.scope)}
${row('snapshot', '快照页用户', 'Snapshot user', user.isSnapshotUser ? '是 yes' : '否 no')}
</dl>
${logoutForm()}
</div>`,
    site,
    ' data-page="profile"',
  );
}

const FAILURE_TEXT: Readonly<Record<FailureReason, { zh: string; en: string }>> = {
  access_denied: { zh: '你拒绝了授权', en: 'You declined the authorization, so you are not logged in.' },
  invalid_code: { zh: '登录凭证无效', en: 'The login code was not accepted. Please log in again.' },
  snapshot_user: {
    zh: '微信显示的是快照页',
    en: 'WeChat showed a preview (snapshot) page — tap 使用完整服务 (use full service) at the bottom, then log in.',
  },
  invalid_state: {
    zh: '登录已过期，或是在另一个浏览器中发起的',
    en: 'The login expired or was started in another browser. Please start again here.',
  },
  invalid_request: { zh: '登录回调无效', en: 'The login callback was malformed. Please start again.' },
  login_interrupted: {
    zh: '登录被中断了，请重新登录',
    en: 'The login was interrupted (a server restarted while it ran). Please log in again.',
  },
  not_member: {
    zh: '你不是本企业的成员',
    en: 'You are not a member of this WeCom organisation, so you cannot log in here.',
  },
  not_in_app_scope: {
    zh: '你不在此应用的可见范围内',
    en: "You are outside this WeCom app's visible range (可见范围). Ask your WeCom administrator to add you.",
  },
  unknown: { zh: '登录失败', en: 'The login did not complete. Please try again.' },
};

const CODE_TEXT: Readonly<Record<number, { zh: string; en: string }>> = {
  40163: {
    zh: '这个登录链接已经用过了',
    en: 'This login link was already used (each WeChat code works once). Please log in again.',
  },
  42003: { zh: '登录链接已过期', en: 'This login link expired. Please log in again.' },
  40029: { zh: '登录凭证无效', en: 'The login code is invalid or belongs to another app. Please log in again.' },
};

export function failureText(reason: FailureReason, errcode?: number): { zh: string; en: string } {
  return (reason === 'invalid_code' && errcode !== undefined && CODE_TEXT[errcode]) || FAILURE_TEXT[reason];
}

/**
 * An interrupted login only has to be started again, so its page goes straight
 * back to the login start (`auto` picks the surface the browser used: in-WeChat
 * inside WeChat, QR elsewhere); other failures go home to choose.
 */
function retryLink(reason: FailureReason): string {
  if (reason === 'login_interrupted') return '<a class="btn" href="/login" id="log-in-again">重新登录 Log in again</a>';
  return '<a class="btn" href="/" id="try-again">重新登录 Try again</a>';
}

export function failurePage(site: SiteInfo, reason: FailureReason, errcode?: number): string {
  const text = failureText(reason, errcode);
  return layout(
    '登录失败 Login failed',
    `<h1 class="error">登录失败</h1><p class="en">Login failed</p>
<div class="card" id="failure" data-reason="${escapeHtml(reason)}"${errcode === undefined ? '' : ` data-errcode="${escapeHtml(errcode)}"`}>
<p id="failure-zh"><strong>${escapeHtml(text.zh)}</strong></p><p id="failure-en">${escapeHtml(text.en)}</p>
${errcode === undefined ? '' : `<p class="en">WeChat errcode ${escapeHtml(errcode)}</p>`}
${retryLink(reason)}</div>`,
    site,
    ' data-page="failure"',
  );
}

export function errorPage(status: number, message: string, site?: SiteInfo): string {
  return layout(
    `出错了 Error ${status}`,
    `<h1 class="error">出错了 Something went wrong</h1><div class="card" id="error" data-status="${escapeHtml(status)}"><p>HTTP ${escapeHtml(status)}</p><p id="error-message">${escapeHtml(message)}</p></div>`,
    site,
    ' data-page="error"',
  );
}
