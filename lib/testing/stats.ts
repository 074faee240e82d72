/**
 * The request counters as `GET /__mock/stats` and `MockWeChat.stats()` report them.
 */
import type { EmulatorContext } from './context.js';
import type { MockStats } from './types.js';

export function statsOf(ctx: EmulatorContext): MockStats {
  const s = ctx.stats;
  return {
    requests: Object.fromEntries(s.requests),
    connections: s.connections,
    ...(ctx.tls ? { tlsSessions: { full: s.tlsFull, resumed: s.tlsResumed } } : {}),
    wecomGettoken: Object.fromEntries(ctx.wecom.gettokenCounts),
  };
}
