/**
 * Prometheus metrics for the example app, fed only by the package's
 * diagnostics channels (docs/diagnostics.md): the example subscriber.
 *
 * Channels are process-wide, so these count every login of the process,
 * whichever app or strategy ran it. Label values are the package's own fixed
 * words (surface, outcome, endpoint path, errcode): bounded cardinality, and
 * never a code, a state or a token.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { Counter, Histogram, Registry } from 'prom-client';
import {
  LOGIN_CHANNEL,
  STORE_ERROR_CHANNEL,
  UPSTREAM_CHANNEL,
  type LoginDiagnostics,
  type StoreErrorDiagnostics,
  type UpstreamDiagnostics,
} from 'passport-wechat-oauth2';

export interface Metrics {
  registry: Registry;
  /** Unsubscribes from the channels. */
  close(): void;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(): Metrics {
  const registry = new Registry();
  const logins = new Counter({
    name: 'wechat_logins_total',
    help: 'Login callbacks and posted codes, by strategy, surface, outcome, reason (fail message or error name) and duplicate role',
    labelNames: ['strategy', 'surface', 'outcome', 'reason', 'role'] as const,
    registers: [registry],
  });
  const loginSeconds = new Histogram({
    name: 'wechat_login_duration_seconds',
    help: 'Login duration, from the callback to its outcome',
    labelNames: ['surface', 'outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const upstream = new Counter({
    name: 'wechat_upstream_requests_total',
    help: 'HTTP attempts to WeChat / WeCom, by endpoint, errcode ("none" without an answer), failover and retry',
    labelNames: ['endpoint', 'errcode', 'failover', 'retry'] as const,
    registers: [registry],
  });
  const upstreamSeconds = new Histogram({
    name: 'wechat_upstream_duration_seconds',
    help: 'Duration of one HTTP attempt to WeChat / WeCom',
    labelNames: ['endpoint'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'wechat_store_errors_total',
    help: 'Failed shared-store commands, by store, reason and command',
    labelNames: ['store', 'reason', 'command'] as const,
    registers: [registry],
  });

  // A subscriber that throws is reported by Node as an uncaughtException: never let one out.
  const safely =
    <T>(record: (payload: T) => void) =>
    (payload: T): void => {
      try {
        record(payload);
      } catch {
        // A metric lost is better than a process lost.
      }
    };
  const onLogin = safely((payload: unknown) => {
    const login = payload as LoginDiagnostics;
    const reason = login.outcome === 'error' ? (login.errorName ?? 'Error') : (login.message ?? '');
    logins.inc({
      strategy: login.strategy,
      surface: login.surface,
      outcome: login.outcome ?? 'unknown',
      reason,
      role: login.role,
    });
    loginSeconds.observe(
      { surface: login.surface, outcome: login.outcome ?? 'unknown' },
      (login.durationMs ?? 0) / 1000,
    );
  });
  const onUpstream = safely((payload: unknown) => {
    const call = payload as UpstreamDiagnostics;
    upstream.inc({
      endpoint: call.endpoint,
      errcode: call.errcode === undefined ? 'none' : String(call.errcode),
      failover: String(call.failover),
      retry: String(call.retry),
    });
    upstreamSeconds.observe({ endpoint: call.endpoint }, (call.durationMs ?? 0) / 1000);
  });
  const onStoreError = safely((failure: unknown) => {
    const { store, reason, command } = failure as StoreErrorDiagnostics;
    storeErrors.inc({ store, reason, command });
  });
  // asyncEnd is the one event every span ends with, its context complete.
  const subscriptions: Array<[string, (payload: unknown) => void]> = [
    [`tracing:${LOGIN_CHANNEL}:asyncEnd`, onLogin],
    [`tracing:${UPSTREAM_CHANNEL}:asyncEnd`, onUpstream],
    [STORE_ERROR_CHANNEL, onStoreError],
  ];
  for (const [name, handler] of subscriptions) diagnostics_channel.subscribe(name, handler);
  return {
    registry,
    close: () => {
      for (const [name, handler] of subscriptions) diagnostics_channel.unsubscribe(name, handler);
    },
  };
}
