import type { AxiosInstance, AxiosResponse } from 'axios';
import { WeChatAPIError, WeChatTransportError } from './errors.js';
import { defaultAxios, FIXED_GET_CONFIG, JSON_BODY_HEADERS, withDeadline } from './axios-instance.js';
import { isTraced, upstreamTracing } from '../diagnostics/channels.js';
import { isRetry, traceUpstreamAttempt, type UpstreamSpan } from '../diagnostics/upstream.js';

/** WeChat's general API host and its documented disaster-recovery twin (wechat-protocol.md §5). */
export const DEFAULT_API_BASE_URLS: readonly string[] = ['https://api.weixin.qq.com', 'https://api2.weixin.qq.com'];

export interface WeChatHttpClientOptions {
  /** Ordered failover list; the first is tried first on every call. */
  apiBaseURL?: string | readonly string[];
  /** Per-attempt timeout in ms. */
  timeout?: number;
  /** Bring your own axios instance (proxy, interceptors). */
  httpClient?: AxiosInstance;
  /**
   * The upstream's own reading of its errcodes (WeCom's differ from
   * WeChat's): how an errcode answer becomes an error, and which errcode a
   * code redeemed a second time gets (WeChat 40163; WeCom 40029,
   * wecom-protocol.md §3.1). Default: WeChat's.
   */
  dialect?: UpstreamDialect;
  /**
   * How many times each base is tried before the next one (default 1). WeCom
   * documents one host and no twin, so its client tries that host twice: the
   * same failover rules (transport errors, 5xx, non-JSON, -1; never a
   * business errcode, never a code blindly), on the same host.
   */
  attemptsPerBase?: number;
}

/** See {@link WeChatHttpClientOptions.dialect}. */
export interface UpstreamDialect {
  apiError(errcode: number, errmsg: string, endpoint: string): WeChatAPIError;
  reusedCodeErrcode: number;
}

const WECHAT_DIALECT: UpstreamDialect = {
  apiError: (errcode, errmsg, endpoint) => new WeChatAPIError(errcode, errmsg, endpoint),
  reusedCodeErrcode: 40163,
};

export interface WeChatGetOptions {
  /**
   * This call redeems a single-use authorization code. If an earlier attempt
   * may have reached WeChat before failing, a later `40163 code been used` is
   * an echo of that attempt, so the first failure is reported instead
   * (wechat-protocol.md §4, "Never blindly retry a code exchange").
   */
  redeemsCode?: boolean;
  /**
   * A field every real answer carries as a non-empty string (`openid` for
   * `/sns/userinfo`, §3.3). An HTTP 200 without an errcode and without it is
   * not a WeChat answer: like a garbled body it is a {@link WeChatTransportError}
   * (kind `bad_response`) and the next API base is tried.
   */
  requires?: string;
}

export interface WeChatResponse<T> {
  json: T;
  /** The body as WeChat sent it (for `profile._raw`). */
  raw: string;
}

type JsonObject = Record<string, unknown>;

/**
 * Every WeChat API call goes through here. It
 * - sends GETs with query parameters (WeChat's token API is GET, §2.1);
 * - parses the body as JSON whatever the content-type (WeChat sends `text/plain`, §2.5);
 * - turns any non-zero `errcode` into a {@link WeChatAPIError}, HTTP 200 or not (§2.4);
 * - fails over to the next API base on transport errors, HTTP 5xx, non-JSON
 *   bodies and errcode -1, never on business errcodes (§5);
 * - never lets a URL with the secret, code or token escape in an error: axios
 *   errors (whose `config` holds the full URL) are replaced by
 *   {@link WeChatTransportError}s that name only the host and path.
 */
export class WeChatHttpClient {
  readonly apiBaseURLs: readonly string[];
  readonly timeout: number;
  private readonly axios: AxiosInstance;
  /**
   * This client's axios is the package's private instance with the lean
   * keep-alive adapter, whose defaults serve only that adapter's GETs (each
   * under its own whole-call deadline).
   */
  private readonly leanGets: boolean;
  /** Each base with its host[:port], for error messages that must not carry the URL. */
  private readonly bases: ReadonlyArray<{ url: string; host: string }>;
  private readonly dialect: UpstreamDialect;

  constructor(options: WeChatHttpClientOptions = {}) {
    const bases = options.apiBaseURL === undefined ? DEFAULT_API_BASE_URLS : [options.apiBaseURL].flat();
    if (bases.length === 0 || bases.some((b) => typeof b !== 'string' || !/^https?:\/\//.test(b))) {
      throw new TypeError('WeChatStrategy: apiBaseURL must be an http(s) URL or a non-empty list of them');
    }
    this.apiBaseURLs = bases.map((b) => b.replace(/\/+$/, ''));
    const attempts = Math.max(1, options.attemptsPerBase ?? 1);
    this.bases = this.apiBaseURLs.flatMap((url) =>
      Array.from({ length: attempts }, () => ({ url, host: hostOf(url) })),
    );
    this.timeout = options.timeout ?? 5000;
    const shared = options.httpClient ? undefined : defaultAxios();
    this.axios = options.httpClient ?? (shared as { instance: AxiosInstance }).instance;
    this.leanGets = shared?.lean === true;
    this.dialect = options.dialect ?? WECHAT_DIALECT;
  }

  /** GET `endpoint` (a path such as `/sns/userinfo`) with failover across the API bases. */
  get<T extends object>(
    endpoint: string,
    query: Record<string, string>,
    options: WeChatGetOptions = {},
  ): Promise<WeChatResponse<T>> {
    return this.call<T>('get', endpoint, query, undefined, options);
  }

  /**
   * POST a JSON body to `endpoint` (`/cgi-bin/stable_token`, `/wxa/business/getuserphonenumber`:
   * "仅支持 POST JSON", wechat-miniprogram-protocol.md §4.2, §5), query parameters in the URL,
   * with the same failover, error mapping and redaction as {@link get}.
   */
  post<T extends object>(
    endpoint: string,
    query: Record<string, string>,
    body: object,
    options: WeChatGetOptions = {},
  ): Promise<WeChatResponse<T>> {
    return this.call<T>('post', endpoint, query, JSON.stringify(body), options);
  }

  private async call<T extends object>(
    method: 'get' | 'post',
    endpoint: string,
    query: Record<string, string>,
    body: string | undefined,
    options: WeChatGetOptions,
  ): Promise<WeChatResponse<T>> {
    let firstFailure: WeChatAPIError | WeChatTransportError | undefined;
    // Diagnostics (docs/diagnostics.md): decided once, before the first await,
    // so a call with no subscriber builds nothing. `retry` must be read here too (see asRetry).
    const traced = isTraced(upstreamTracing);
    const retry = traced && isRetry();
    let attempt = 0;
    let lastFailure: string | undefined;
    for (const base of this.bases) {
      let response: WeChatResponse<JsonObject>;
      attempt++;
      try {
        response = traced
          ? await this.tracedAttempt(base, endpoint, query, method, body, { attempt, failoverFrom: lastFailure, retry })
          : await this.attempt(base, endpoint, query, method, body);
      } catch (err) {
        firstFailure ??= err as WeChatTransportError;
        lastFailure = (err as WeChatTransportError).kind;
        continue;
      }
      const { errcode, errmsg } = response.json;
      if (typeof errcode === 'number' && errcode !== 0) {
        const apiError = this.dialect.apiError(errcode, typeof errmsg === 'string' ? errmsg : '', endpoint);
        if (apiError.retryable) {
          firstFailure ??= apiError;
          lastFailure = `errcode_${errcode}`;
          continue;
        }
        if (firstFailure && options.redeemsCode && errcode === this.dialect.reusedCodeErrcode) throw firstFailure;
        throw apiError;
      }
      const required = options.requires;
      if (required !== undefined && (typeof response.json[required] !== 'string' || response.json[required] === '')) {
        firstFailure ??= new WeChatTransportError(
          endpoint,
          base.host,
          'bad_response',
          `the answer has no ${required}, so it is not WeChat's`,
        );
        lastFailure = 'bad_response';
        continue;
      }
      return response as WeChatResponse<T>;
    }
    throw firstFailure as Error;
  }

  /** {@link attempt} as a span of the upstream tracing channel: no query, no answer in its context. */
  private tracedAttempt(
    base: { url: string; host: string },
    endpoint: string,
    query: Record<string, string>,
    method: 'get' | 'post',
    body: string | undefined,
    span: UpstreamSpan,
  ): Promise<WeChatResponse<JsonObject>> {
    return traceUpstreamAttempt({ ...span, method, endpoint, host: base.host }, (context) =>
      this.attempt(base, endpoint, query, method, body, context),
    );
  }

  private async attempt(
    { url: base, host }: { url: string; host: string },
    endpoint: string,
    query: Record<string, string>,
    method: 'get' | 'post' = 'get',
    body?: string,
    seen?: { status?: number },
  ): Promise<WeChatResponse<JsonObject>> {
    let res: AxiosResponse<unknown>;
    const url = `${base}${endpoint}?${toQueryString(query)}`;
    try {
      // A login's GET on the private instance: the lean adapter answers it
      // under its own whole-call deadline, and the instance's defaults hold
      // the rest. request(), not get(): get() merges its config once more.
      // The query goes in the URL, not in `params`: axios copies and walks
      // `params` on every call, and these are flat strings (profile-notes.md).
      if (this.leanGets && method === 'get') res = await this.axios.request({ url, timeout: this.timeout });
      else res = await this.send(url, method, body);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const kind = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? 'timeout' : (e.code ?? 'network');
      throw new WeChatTransportError(endpoint, host, kind, describeTransport(kind, this.timeout, e.message));
    }
    if (seen) seen.status = res.status;
    if (res.status !== 200) {
      throw new WeChatTransportError(endpoint, host, `http_${res.status}`, `unexpected HTTP status ${res.status}`);
    }
    // responseType 'text' with an identity transform: axios hands over the body as a string.
    const raw = String(res.data ?? '');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new WeChatTransportError(
        endpoint,
        host,
        'not_json',
        `the body is not JSON (${raw.trimStart().startsWith('<') ? 'an HTML page' : 'truncated or garbled'})`,
      );
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new WeChatTransportError(endpoint, host, 'not_json', 'the body is not a JSON object');
    }
    return { json: json as JsonObject, raw };
  }

  /**
   * Any call but a login's GET on the private instance: a POST, a user's own
   * httpClient, a proxy from the environment. It carries the whole fixed
   * config, since neither a user's instance nor the stock adapter may rely on
   * the private instance's defaults.
   */
  private send(url: string, method: 'get' | 'post', body: string | undefined): Promise<AxiosResponse<unknown>> {
    const request = (signal?: AbortSignal): Promise<AxiosResponse<unknown>> =>
      this.axios.request({
        ...FIXED_GET_CONFIG,
        method,
        url,
        ...(body === undefined ? {} : { data: body, headers: JSON_BODY_HEADERS }),
        timeout: this.timeout,
        ...(signal ? { signal } : {}),
      });
    // `timeout` bounds the whole answer on every path. axios's stock
    // adapter (a proxy from the environment, a user's own httpClient, a
    // request the lean adapter hands on) only has an idle timer on the
    // socket, so a host dripping its body could hold a login for as long as
    // it likes: here the client arms its own timer and aborts. (The lean
    // adapter's GETs never come here: they have their own deadline.)
    // `timeout: 0` means no deadline, as in axios.
    return this.timeout ? withDeadline(this.timeout, request) : request();
  }
}

function toQueryString(query: Record<string, string>): string {
  let out = '';
  for (const name of Object.keys(query))
    out += `${out ? '&' : ''}${encodeURIComponent(name)}=${encodeURIComponent(query[name] as string)}`;
  return out;
}

function hostOf(base: string): string {
  try {
    return new URL(base).host;
  } catch {
    return base;
  }
}

/** axios messages name no URL, but be explicit rather than trust that forever. */
function describeTransport(kind: string, timeout: number, message: string | undefined): string {
  if (kind === 'timeout') return `no answer within ${timeout} ms`;
  return (message ?? kind).replace(/https?:\/\/\S+/g, '<url>');
}
