import http from 'node:http';
import https from 'node:https';
import { AxiosError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

/**
 * The adapter behind the package's default axios instance.
 *
 * A login makes one or two small GETs to the same WeChat host, and axios's
 * stock Node adapter (follow-redirects, the proxy-from-env lookup, stream
 * plumbing, a setsockopt per request) cost more CPU than the rest of the
 * strategy together: `bench/results/profile-notes.md` has the profile. The
 * calls still go through axios (its config merge, interceptors and
 * transforms); only the last step, writing the request and reading the body,
 * is this: Node's own `http(s).get` on one keep-alive agent per protocol,
 * which is what the benchmark's hand-written floor does.
 *
 * It serves what {@link WeChatHttpClient} sends (GET, an absolute URL with
 * its query string, a timeout, `responseType: 'text'`). Anything else it was
 * not written for (another method, a body, `params`, an explicit `proxy`, a
 * socket path, cancellation) is handed to axios's stock adapter, so the
 * instance never silently drops an option. A user who passes `httpClient` gets their own instance untouched.
 */
export const keepAliveAgents = {
  httpAgent: new http.Agent({ keepAlive: true }),
  httpsAgent: new https.Agent({ keepAlive: true }),
};

export function createKeepAliveAdapter(fallback: AxiosAdapter): AxiosAdapter {
  return (config) => (isPlainGet(config) ? get(config) : fallback(config));
}

function isPlainGet(config: InternalAxiosRequestConfig): boolean {
  return (
    (config.method ?? 'get').toLowerCase() === 'get' &&
    config.data === undefined &&
    config.params === undefined &&
    !config.proxy &&
    !config.socketPath &&
    !config.auth &&
    !config.signal &&
    !config.cancelToken &&
    typeof config.url === 'string' &&
    /^https?:\/\//.test(config.url) &&
    config.baseURL === undefined
  );
}

function get(config: InternalAxiosRequestConfig): Promise<AxiosResponse<string>> {
  return new Promise((resolve, reject) => {
    const url = config.url as string;
    const secure = url.startsWith('https:');
    const agent = secure ? keepAliveAgents.httpsAgent : keepAliveAgents.httpAgent;
    const client = secure ? https : http;
    const limit = config.maxContentLength !== undefined && config.maxContentLength > -1 ? config.maxContentLength : Infinity;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (message: string, code: string, request?: http.ClientRequest): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new AxiosError(message, code, config, request));
    };

    const req = client.get(url, { agent, headers: outgoingHeaders(config) }, (res) => {
      let body = '';
      let bytes = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        if (bytes > limit) {
          fail(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, req);
          req.destroy();
          return;
        }
        body += chunk;
      });
      res.on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code ?? AxiosError.ERR_NETWORK, req));
      res.on('aborted', () => fail('the connection closed before the body ended', 'ECONNRESET', req));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        const response: AxiosResponse<string> = {
          data: body,
          status,
          statusText: res.statusMessage ?? '',
          // Raw: axios's dispatchRequest wraps response headers in AxiosHeaders itself.
          headers: res.headers,
          config,
          request: req,
        };
        if (config.validateStatus && !config.validateStatus(status)) {
          reject(new AxiosError(`Request failed with status code ${status}`, AxiosError.ERR_BAD_RESPONSE, config, req, response));
        } else {
          resolve(response);
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.message, err.code ?? AxiosError.ERR_NETWORK, req));

    // A deadline for the whole call, not an idle timer: a host that trickles
    // bytes must not hold a login open past `timeout`.
    if (config.timeout) {
      timer = setTimeout(() => {
        fail(`timeout of ${config.timeout} ms exceeded`, AxiosError.ECONNABORTED, req);
        req.destroy();
      }, config.timeout);
    }
  });
}

/** The request headers axios assembled (its defaults plus any the caller set). */
function outgoingHeaders(config: InternalAxiosRequestConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  const source = config.headers.toJSON();
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (typeof value === 'string' || typeof value === 'number') headers[name] = String(value);
  }
  return headers;
}
