import { storeErrorChannel } from './channels.js';

/**
 * Publishes a failed store command (when anyone listens) and returns the
 * error, so the one place that makes a store's errors can write
 * `reject(storeFailed(new WeChatStoreError(…), …))`.
 */
export function storeFailed<E extends Error & { store: string; reason: string }>(
  error: E,
  command: string | undefined,
  client: string,
): E {
  if (storeErrorChannel.hasSubscribers) {
    storeErrorChannel.publish({
      store: error.store,
      reason: error.reason === 'timeout' ? 'timeout' : 'unavailable',
      command: command ?? 'unknown',
      client,
      error,
    });
  }
  return error;
}
