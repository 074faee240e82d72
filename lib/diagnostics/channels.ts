import diagnostics_channel, { type Channel, type TracingChannel } from 'node:diagnostics_channel';
import type { LoginDiagnostics, StoreErrorDiagnostics, UpstreamDiagnostics } from './types.js';

/**
 * Channel names (public API, docs/diagnostics.md). The two tracing channels
 * publish on Node's five sub-channels `tracing:<name>:start`, `:end`,
 * `:asyncStart`, `:asyncEnd` and `:error`; subscribe with
 * `diagnostics_channel.tracingChannel(name).subscribe({ … })`.
 */
/** One span per login callback (redirect logins) or posted code (Mini Program, App). */
export const LOGIN_CHANNEL = 'passport-wechat-oauth2:login';
/** One span per HTTP attempt to WeChat or WeCom. */
export const UPSTREAM_CHANNEL = 'passport-wechat-oauth2:upstream';
/** One message per failed shared-store command (Redis). */
export const STORE_ERROR_CHANNEL = 'passport-wechat-oauth2:store:error';

/** Tracing channels need Node 18.19 / 19.9 or later; before that nothing is traced. */
const tracing = typeof diagnostics_channel.tracingChannel === 'function';

export const loginTracing: TracingChannel<unknown, LoginDiagnostics> | undefined = tracing
  ? diagnostics_channel.tracingChannel<unknown, LoginDiagnostics>(LOGIN_CHANNEL)
  : undefined;

export const upstreamTracing: TracingChannel<unknown, UpstreamDiagnostics> | undefined = tracing
  ? diagnostics_channel.tracingChannel<unknown, UpstreamDiagnostics>(UPSTREAM_CHANNEL)
  : undefined;

export const storeErrorChannel: Channel<unknown, StoreErrorDiagnostics> = diagnostics_channel.channel(
  STORE_ERROR_CHANNEL,
) as Channel<unknown, StoreErrorDiagnostics>;

/**
 * Whether anyone listens on any of a tracing channel's five events: the guard
 * before any payload is built, so that a process with no subscriber pays a
 * few property reads per login and nothing else. (`TracingChannel#hasSubscribers`
 * itself only exists from Node 20.13 and 22.)
 */
export function isTraced<C extends object>(channel: TracingChannel<unknown, C> | undefined): boolean {
  return (
    channel !== undefined &&
    (channel.start.hasSubscribers ||
      channel.end.hasSubscribers ||
      channel.asyncStart.hasSubscribers ||
      channel.asyncEnd.hasSubscribers ||
      channel.error.hasSubscribers)
  );
}
