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
 * socket path, basic auth, cancellation, a relative URL) is handed to axios's
 * stock adapter, so the instance never silently drops an option. A user who
 * passes `httpClient` gets their own instance untouched. The stock adapter's
 * `timeout` is only a socket idle timer, so WeChatHttpClient arms a
 * whole-answer deadline (a timer and an AbortSignal) for every request that
 * does not come here; the GETs this adapter serves have their own below.
 */

/** One keep-alive agent per protocol, shared by every default-instance call (and by the stock adapter when it is used). */
export const keepAliveAgents = {
  httpAgent: new http.Agent({ keepAlive: true }),
  httpsAgent: new https.Agent({ keepAlive: true }),
};

export function createKeepAliveAdapter(fallback: AxiosAdapter): AxiosAdapter {
  return (config) => (isPlainGet(config) ? get(config) : fallback(config));
}

function isPlainGet(config: InternalAxiosRequestConfig): boolean {
  return (
    config.method === 'get' && // axios has lower-cased it by now
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
    const maxBytes = config.maxContentLength ?? -1;
    const limit = maxBytes > -1 ? maxBytes : Infinity;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (message: string, code: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new AxiosError(message, code, config, req));
    };
    // A reset before or during the body; Node reports both as errors with a code.
    const onError = (err: NodeJS.ErrnoException): void => fail(err.message, err.code || AxiosError.ERR_NETWORK);

    const req = client.get(url, { agent, headers: outgoingHeaders(config) }, (res) => {
      let body = '';
      let bytes = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        if (bytes > limit) {
          fail(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE);
          req.destroy();
          return;
        }
        body += chunk;
      });
      res.on('error', onError);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // A client response always has both.
        const status = res.statusCode as number;
        const response: AxiosResponse<string> = {
          data: body,
          status,
          statusText: res.statusMessage as string,
          // Only Content-Type. axios normalises every response header into
          // AxiosHeaders twice per call, and nothing reads this private
          // instance's response headers (WeChatHttpClient reads the body and
          // the status); Node builds `res.headers` only when it is read.
          headers: contentTypeOf(res.rawHeaders),
          config,
          request: req,
        };
        if (config.validateStatus && !config.validateStatus(status)) {
          reject(
            new AxiosError(
              `Request failed with status code ${status}`,
              AxiosError.ERR_BAD_RESPONSE,
              config,
              req,
              response,
            ),
          );
        } else {
          resolve(response);
        }
      });
    });
    req.on('error', onError);

    // A deadline for the whole call, not an idle timer: a host that trickles
    // bytes must not hold a login open past `timeout`.
    if (config.timeout) {
      timer = setTimeout(() => {
        fail(`timeout of ${config.timeout} ms exceeded`, AxiosError.ECONNABORTED);
        req.destroy();
      }, config.timeout);
    }
  });
}

function contentTypeOf(rawHeaders: string[]): Record<string, string> {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'content-type')
      return { 'content-type': rawHeaders[i + 1] as string };
  }
  return {};
}

/** The request headers axios assembled (its defaults plus any the caller set); unset ones are already left out. */
function outgoingHeaders(config: InternalAxiosRequestConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  const source = config.headers.toJSON(true);
  for (const name of Object.keys(source)) headers[name] = String(source[name]);
  return headers;
}
