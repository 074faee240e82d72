/**
 * What a WeCom API handler gets: the parsed request and the caller's IP (for 60020 and `from ip:`).
 */
import type { WeComReply } from './envelope.js';
import type { WeComState } from './state.js';

export interface WeComApiRequest {
  method: string;
  query: URLSearchParams;
  /** The request body ('' unless the route reads bodies and the method is POST). */
  body: string;
  ip: string;
  /** The emulator's base URL, for avatar links. */
  baseURL: string;
}

export interface WeComApiRoute {
  /** Routes that take a JSON body; the emulator reads bodies only for them. */
  readonly readsBody: boolean;
  handle(w: WeComState, r: WeComApiRequest): WeComReply;
}
