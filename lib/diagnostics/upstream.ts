import type { TracingChannel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { upstreamTracing } from './channels.js';
import type { UpstreamDiagnostics } from './types.js';

/** Where one attempt stands in its call: which try, after what failure, and whether it is an access-token retry. */
export interface UpstreamSpan {
  attempt: number;
  failoverFrom: string | undefined;
  retry: boolean;
}

/**
 * Runs one HTTP attempt as a span of the upstream tracing channel. The span's
 * promise resolves to nothing: Node would put a resolved value on the context
 * (`context.result`), and the answer holds tokens and session keys. The
 * answer is handed back outside the span instead. `attempt` gets the context
 * to record the HTTP status on; no query and no answer ever go into it.
 */
export async function traceUpstreamAttempt<R extends { json: Record<string, unknown> }>(
  call: UpstreamSpan & { method: 'get' | 'post'; endpoint: string; host: string },
  attempt: (context: UpstreamDiagnostics) => Promise<R>,
): Promise<R> {
  const context: UpstreamDiagnostics = {
    method: call.method === 'get' ? 'GET' : 'POST',
    endpoint: call.endpoint,
    host: call.host,
    attempt: call.attempt,
    failover: call.attempt > 1,
    retry: call.retry,
  };
  if (call.failoverFrom !== undefined) context.failoverFrom = call.failoverFrom;
  const channel = upstreamTracing as TracingChannel<unknown, UpstreamDiagnostics>;
  const started = performance.now();
  let answer: R | undefined;
  await channel.tracePromise(
    () =>
      attempt(context).then(
        (response) => {
          answer = response;
          const errcode = response.json.errcode;
          context.errcode = typeof errcode === 'number' ? errcode : 0;
          context.durationMs = performance.now() - started;
        },
        (err: unknown) => {
          const kind = (err as { kind?: unknown }).kind;
          if (typeof kind === 'string') context.failure = kind;
          context.durationMs = performance.now() - started;
          throw err;
        },
      ),
    context,
  );
  return answer as R;
}

/**
 * Marks the upstream calls an access-token manager makes again after a
 * stale-token errcode, so their spans say `retry: true`. The mark only holds
 * while `send` runs synchronously: WeChatHttpClient reads it as a call
 * starts, before its first await, and every server API of the package calls
 * it synchronously from the function it hands to `withAccessToken`. A call
 * made after an await of its own would only lose the label.
 */
let retrying = false;

export function asRetry<T>(send: () => T): T {
  retrying = true;
  try {
    return send();
  } finally {
    retrying = false;
  }
}

/** Whether the upstream call starting now is an access-token retry (see {@link asRetry}). */
export function isRetry(): boolean {
  return retrying;
}
