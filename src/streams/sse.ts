/** One server-sent event. `data` is written as given, one `data:` line per line of it. */
export interface SSEEvent {
  data?: string;
  event?: string;
  id?: string | number;
  /** Reconnection delay in milliseconds, a non-negative integer. */
  retry?: number;
  /** A comment line, ignored by clients; used for heartbeats. */
  comment?: string;
}

const LINE_BREAK = /\r\n|\r|\n/;
const FIELD_BREAK = /[\r\n\0]/;

/** Encodes one event per the WHATWG grammar; throws rather than let a value forge another field or event. */
export function encodeSSE(event: SSEEvent): string {
  let out = "";
  if (event.comment !== undefined) {
    for (const line of event.comment.split(LINE_BREAK)) out += `: ${line}\n`;
  }
  if (event.event !== undefined) out += `event: ${checkField("event", event.event)}\n`;
  if (event.id !== undefined) out += `id: ${checkField("id", String(event.id))}\n`;
  if (event.retry !== undefined) {
    if (!Number.isSafeInteger(event.retry) || event.retry < 0) {
      throw new TypeError(`SSE retry must be a non-negative integer, got ${event.retry}`);
    }
    out += `retry: ${event.retry}\n`;
  }
  if (event.data !== undefined) {
    // A lone CR is a line break to every SSE parser, so it is split here rather than sent raw.
    for (const line of event.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  }
  return out + "\n";
}

function checkField(name: string, value: string): string {
  if (FIELD_BREAK.test(value)) throw new TypeError(`SSE ${name} must not contain CR, LF or NUL`);
  return value;
}

/**
 * One event whose data is JSON text (`stringifyLine`'s: JSON escapes every CR and LF, so it is one line): written
 * without the scan for line breaks `encodeSSE` makes, which is most of its cost on a stream's hot path.
 */
export function encodeSSEJSON(json: string, event?: string, id?: string): string {
  let out = "";
  if (event !== undefined) out += `event: ${checkField("event", event)}\n`;
  if (id !== undefined) out += `id: ${checkField("id", id)}\n`;
  return `${out}data: ${json}\n\n`;
}
