/**
 * A subscriber to every diagnostics channel of the package, as an operator
 * would attach one: it keeps a copy of each payload at each event (the
 * tracing contexts are one object that fills in as the span goes on).
 */
import diagnostics_channel from 'node:diagnostics_channel';
import util from 'node:util';
import {
  LOGIN_CHANNEL,
  STORE_ERROR_CHANNEL,
  UPSTREAM_CHANNEL,
  type LoginDiagnostics,
  type StoreErrorDiagnostics,
  type UpstreamDiagnostics,
} from '../../lib';

export type TracingEvent = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';
const EVENTS: TracingEvent[] = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];

export interface Recorded {
  channel: string;
  event: TracingEvent | 'message';
  /** The payload object itself (the same object for every event of a span). */
  payload: object;
  /** A copy of its fields at that event. */
  fields: Record<string, unknown>;
}

export interface Recorder {
  events: Recorded[];
  /** The logins that ended, each as its context was at `asyncEnd`. */
  logins(): LoginDiagnostics[];
  /** The upstream attempts that ended, each as its context was at `asyncEnd`. */
  upstream(): UpstreamDiagnostics[];
  storeErrors(): StoreErrorDiagnostics[];
  /** Every payload as text (inspect with hidden fields, and JSON), for the secrets sweep. */
  texts(): string[];
  stop(): void;
}

export function recordDiagnostics(): Recorder {
  const events: Recorded[] = [];
  const stops: Array<() => void> = [];
  for (const name of [LOGIN_CHANNEL, UPSTREAM_CHANNEL]) {
    const channel = diagnostics_channel.tracingChannel<unknown, object>(name);
    const handlers = Object.fromEntries(
      EVENTS.map((event) => [
        event,
        (payload: object) => events.push({ channel: name, event, payload, fields: { ...payload } }),
      ]),
    ) as unknown as Parameters<typeof channel.subscribe>[0];
    channel.subscribe(handlers);
    stops.push(() => channel.unsubscribe(handlers));
  }
  const onStoreError = (payload: unknown): void => {
    events.push({
      channel: STORE_ERROR_CHANNEL,
      event: 'message',
      payload: payload as object,
      fields: { ...(payload as object) },
    });
  };
  diagnostics_channel.subscribe(STORE_ERROR_CHANNEL, onStoreError);
  stops.push(() => diagnostics_channel.unsubscribe(STORE_ERROR_CHANNEL, onStoreError));
  const ended = (name: string) =>
    events.filter((e) => e.channel === name && e.event === 'asyncEnd').map((e) => e.fields);
  return {
    events,
    logins: () => ended(LOGIN_CHANNEL) as unknown as LoginDiagnostics[],
    upstream: () => ended(UPSTREAM_CHANNEL) as unknown as UpstreamDiagnostics[],
    storeErrors: () =>
      events
        .filter((e) => e.channel === STORE_ERROR_CHANNEL)
        .map((e) => e.fields) as unknown as StoreErrorDiagnostics[],
    texts: () =>
      events.flatMap((e) => {
        let json: string;
        try {
          json = JSON.stringify(e.fields) ?? '';
        } catch (err) {
          json = `unserializable: ${String(err)}`;
        }
        return [util.inspect(e.fields, { depth: 6, showHidden: true }), json];
      }),
    stop: () => {
      for (const stop of stops.splice(0)) stop();
    },
  };
}

/** The events of one span, in order: the names of the events that share `payload`. */
export function eventsOf(recorder: Recorder, payload: object): string[] {
  return recorder.events.filter((e) => e.payload === payload).map((e) => e.event);
}
