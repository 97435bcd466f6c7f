import type { Framing } from "../../streams/framing";
import { stringifyLine } from "../../streams/jsonl";
import { encodeSSE } from "../../streams/sse";
import { fromBase64 } from "./base64";
import type { ContentMode } from "./contentMode";
import { nextCursor } from "./cursor";
import { formatOffset } from "./offsets";

/** What one SSE reader's framing needs to know. */
export interface SSEReader {
  mode: ContentMode;
  /** The last position recorded when the reader opened: records up to it are its replay, later ones are live. */
  last: number;
  /** The cursor the client echoed (`cursor=`), which every cursor sent must pass. */
  cursor: string | null;
}

/**
 * The protocol's SSE (PROTOCOL.md 5.8): each record an `event: data` (a JSON message as a one-element array, bytes as
 * base64, text as its lines) followed by an `event: control` with the offset after it; `upToDate` once the reader
 * has every record, `streamClosed` at the end. Stateful: one per reader. The project's own streams are read through
 * it too (`ownStreamFraming`): their end record is then one message more, `{"$done": …}` or `{"$error": …}`, as in
 * JSON Lines.
 */
export function protocolFraming(reader: SSEReader, endIsMessage = false): Framing {
  const text = new TextDecoder();
  // The control events, written out rather than stringified: one follows every record. Offsets and cursors are digits
  // and underscores, nothing JSON escapes.
  const control = (next: number, tail: string) => `event: control\ndata:{"streamNextOffset":"${formatOffset(next)}"${tail}}\n\n`;
  const live = (upToDate: boolean) => `,"streamCursor":"${nextCursor(reader.cursor)}"${upToDate ? ',"upToDate":true' : ""}`;
  const closed = ',"streamClosed":true,"upToDate":true';
  const data = (json: string) => {
    // JSON text (stringifyLine's) and base64 hold no line break: one data line.
    if (reader.mode === "json") return `event: data\ndata:[${json}]\n\n`;
    const base64 = JSON.parse(json) as string;
    if (reader.mode === "bytes") return `event: data\ndata:${base64}\n\n`;
    // One decoder for the reader's whole stream: a character split across two appends is whole in the second event.
    return event("data", text.decode(fromBase64(base64), { stream: true }));
  };
  // Told it is caught up: by the control event after the last record of its replay, else by one of its own.
  let told = false;
  const recordJSON = (json: string, seq: number) => {
    if (seq >= reader.last) told = true;
    return data(json) + control(seq, live(seq >= reader.last));
  };
  return {
    name: SSE_FRAMING,
    contentType: "text/event-stream",
    accepts: [],
    fixed: true,
    record: (value, seq) => recordJSON(stringifyLine(value), seq),
    recordJSON,
    end: (summary, seq) => (endIsMessage ? data(stringifyLine({ $done: summary ?? {} })) : "") + control(seq, closed),
    error: (error, seq) => (endIsMessage ? data(stringifyLine({ $error: error })) : "") + control(seq, closed),
    caughtUp: () => (told ? "" : control(reader.last, live(true))),
    ping: encodeSSE({ comment: "ping" }),
    forStream: (_streamId, _kept, last) => protocolFraming({ ...reader, last }, endIsMessage),
  };
}

/** The one event a reader at the end of a closed stream is sent. */
export function closedEvent(seq: number): string {
  return `event: control\ndata:{"streamNextOffset":"${formatOffset(seq)}","streamClosed":true,"upToDate":true}\n\n`;
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * One event, each line of `data` a `data:` line (split at CR, LF and CRLF, so a payload cannot end the event or start
 * another). No space after the colon, as the protocol's own server writes them, unless the line starts with one: a
 * parser drops one space there.
 */
function event(name: string, data: string): string {
  let out = `event: ${name}\n`;
  for (const line of data.split(LINE_BREAK)) out += line.startsWith(" ") ? `data: ${line}\n` : `data:${line}\n`;
  return `${out}\n`;
}

/** The name a durable stream's reader asks for this framing by. */
export const SSE_FRAMING = "durable-streams-sse";

/** The framing the project's own durable streams are read in at /v1/stream/<id> with live=sse (a feature framing). */
export const ownStreamFraming = protocolFraming({ mode: "json", last: 0, cursor: null }, true);
