/** Key under which a per-request string `state` travels as app state (passport-oauth2 would send a string verbatim). */
const STRING_STATE = '__wechatStringState';

/** `passport.authenticate('wechat', { state })`: an object is app state as is; a string travels wrapped. */
export function wrapAppState(state: string | Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return typeof state === 'string' ? { [STRING_STATE]: state } : state;
}

/** The app state handed to `success` info, with a wrapped string state unwrapped again. */
export function unwrapAppState(info: { state?: unknown } | undefined): { state?: unknown } | undefined {
  const state = info?.state;
  return state && typeof state === 'object' && STRING_STATE in state
    ? { ...info, state: (state as Record<string, unknown>)[STRING_STATE] }
    : info;
}
