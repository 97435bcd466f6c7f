import type { ErrorRecord, Framing } from "../framing";
import { encodeSSE } from "../sse";
import { StreamWriter } from "../StreamWriter";
import type { End } from "./RecordLog";

/** One reader: its framed writer, its body, and how far behind it is. */
export interface Reader {
  writer: StreamWriter;
  /** The response body's writable side: a native stream, so the runtime sends it without JavaScript per chunk. */
  out: WritableStreamDefaultWriter<Uint8Array>;
  /** Bytes written that the client has not taken yet (a native stream's write settles once its reader takes it). */
  unsent: number;
  /** How far `unsent` may go: the replay it was sent on opening, plus the reader buffer. */
  allowance: number;
}

/** How one reader is opened. */
export interface OpenOptions {
  framing: Framing;
  heartbeatMs: number;
  /** The stream is still being produced: the heartbeat starts now, as the reader will wait for records. */
  live: boolean;
  /** What the reader may leave unread past its replay before it is dropped. */
  bufferBytes: number;
  /** The replay is every record recorded so far and more will come: it is followed by the framing's `caughtUp`. */
  caughtUp?: boolean;
}

const encoder = new TextEncoder();

// How soon a reconnecting EventSource comes back; browsers default to about 3 s.
const RETRY_MS = 1000;

/**
 * The readers of one durable stream, each with its own framing and its own body: the replay it asked for, then, once
 * joined, every live record. A reader that leaves more than its allowance unread is dropped (its body fails; its
 * client resumes from the last record it has), so a stalled client holds at most its replay and a buffer.
 */
export class StreamReaders {
  /** The readers following the live records. */
  readonly #live = new Set<Reader>();
  /** Every reader whose body is open: the live ones, and those still being sent a finished stream. */
  readonly #open = new Set<Reader>();
  readonly #onNoneLive: () => void;

  /** `onNoneLive` runs when the last live reader leaves. */
  constructor(onNoneLive: () => void) {
    this.#onNoneLive = onNoneLive;
  }

  /** Readers whose body is open. */
  get open(): number {
    return this.#open.size;
  }

  /** Readers following the live records. */
  get live(): number {
    return this.#live.size;
  }

  /** Opens a reader and writes it `replay` (records as [seq, JSON]); returns its body and the reader, to join or end. */
  openReader(options: OpenOptions, replay: Iterable<[number, string]>): { body: ReadableStream<Uint8Array>; reader: Reader } {
    const { readable: body, writable } = new IdentityTransformStream();
    const out = writable.getWriter();
    const writer = new StreamWriter(options.framing, (chunk) => this.#enqueue(reader, chunk), {
      heartbeatMs: options.heartbeatMs,
      heartbeatNow: options.live,
    });
    const reader: Reader = { writer, out, unsent: 0, allowance: Infinity };
    this.#open.add(reader);
    // The reader went away (the body was cancelled): a write fails, or the stream errors. Or it got its end.
    out.closed.then(() => this.#open.delete(reader), () => this.#leave(reader));
    if (options.framing.name === "sse") this.#enqueue(reader, encoder.encode(encodeSSE({ retry: RETRY_MS })));
    for (const [seq, json] of replay) writer.recordJSON(json, seq);
    writer.flush();
    const caughtUp = options.caughtUp && options.framing.caughtUp?.();
    if (caughtUp) this.#enqueue(reader, encoder.encode(caughtUp));
    reader.allowance = reader.unsent + options.bufferBytes;
    return { body, reader };
  }

  /** The reader follows the live records from now on. */
  join(reader: Reader): void {
    this.#live.add(reader);
  }

  /** Sends one record (its value, and its JSON as recorded) to every live reader. */
  record(value: unknown, json: string, seq: number): void {
    for (const reader of this.#live) {
      if (reader.writer.framing.recordJSON) reader.writer.recordJSON(json, seq);
      else reader.writer.record(value, seq);
    }
  }

  /** Sends the end to one reader and closes its body. */
  end(reader: Reader, end: End): void {
    if (end.kind === "done") reader.writer.end(end.value, end.seq);
    else reader.writer.error(end.value as ErrorRecord, end.seq);
    // Rejects when its reader has already cancelled: nothing to do then.
    reader.out.close().catch(() => {});
  }

  /** Closes one reader's body without an end record: it was sent a part of the stream, and asks again for the rest. */
  release(reader: Reader): void {
    reader.writer.flush();
    reader.writer.stop();
    reader.out.close().catch(() => {});
  }

  /** Sends the end to every live reader and closes them. */
  endAll(end: End): void {
    for (const reader of this.#live) this.end(reader, end);
    this.#live.clear();
  }

  /** Forgets every reader (the stream is being deleted); their heartbeats stop. */
  clear(): void {
    for (const reader of this.#live) reader.writer.stop();
    this.#live.clear();
    this.#open.clear();
  }

  #enqueue(reader: Reader, chunk: Uint8Array): void {
    const size = chunk.byteLength;
    reader.unsent += size;
    reader.out.write(chunk).then(() => (reader.unsent -= size), () => this.#leave(reader));
    // Too far behind: dropped rather than buffered without end. Its client reconnects from the last record it has.
    if (reader.unsent > reader.allowance) {
      reader.out.abort(new Error("the reader fell too far behind")).catch(() => {});
      this.#leave(reader);
    }
  }

  #leave(reader: Reader): void {
    reader.writer.stop();
    this.#open.delete(reader);
    if (this.#live.delete(reader) && this.#live.size === 0) this.#onNoneLive();
  }
}
