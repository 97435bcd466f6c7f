import type { ErrorRecord, Framing } from "./framing";
import { idleTimer, type IdleTimer } from "./idleTimer";

const encoder = new TextEncoder();

export interface WriterOptions {
  /** Silence after which the framing's heartbeat is written; heartbeats start with the first write. */
  heartbeatMs: number;
  /** Called once, on the first write: the moment a response can be handed over. */
  onFirstWrite?: () => void;
  /** Start the heartbeat now rather than at the first write: for a response already handed over (a durable reader). */
  heartbeatNow?: boolean;
}

/**
 * Writes one stream through its framing into a sink: a response body, or one reader of a durable stream. It owns
 * what every stream does alike: records written in one synchronous burst (all the tokens of one upstream read) leave
 * as one chunk, one encode and one enqueue flushed in a microtask, so the burst gains no latency; counting records
 * and bytes; the heartbeat after silence; and the end or error record last.
 */
export class StreamWriter {
  /** Records written; the next record's position is `records + 1` unless the caller says otherwise. */
  records = 0;
  bytes = 0;
  /** When the first byte was written (ms since the epoch), or undefined if nothing was. */
  firstAt: number | undefined;
  /** Set by `end` and `error`: a record after it is refused. */
  ended = false;
  readonly framing: Framing;
  readonly #sink: (chunk: Uint8Array) => void;
  readonly #options: WriterOptions;
  #pending = "";
  #beat: IdleTimer | undefined;
  readonly #flush = () => this.flush();

  constructor(framing: Framing, sink: (chunk: Uint8Array) => void, options: WriterOptions) {
    this.framing = framing;
    this.#sink = sink;
    this.#options = options;
    if (options.heartbeatNow) this.#startHeartbeat();
  }

  /** Writes one record at position `seq`. Throws once the stream has ended. */
  record(value: unknown, seq = this.records + 1): void {
    if (this.ended) throw new Error("send() after the stream ended");
    this.#write(this.framing.record(value, seq));
    this.records++;
  }

  /** Writes one record given as its JSON (`stringifyLine`'s), parsed only if the framing needs its value. */
  recordJSON(json: string, seq = this.records + 1): void {
    if (this.ended) throw new Error("send() after the stream ended");
    this.#write(this.framing.recordJSON ? this.framing.recordJSON(json, seq) : this.framing.record(JSON.parse(json), seq));
    this.records++;
  }

  /** Writes the end record, and flushes. */
  end(summary: unknown, seq = this.records + 1): void {
    this.ended = true;
    this.#write(this.framing.end(summary, seq));
    this.flush();
    this.stop();
  }

  /** Writes the error record and flushes; false when the framing has none (plain text), and the sink must fail instead. */
  error(error: ErrorRecord, seq = this.records + 1): boolean {
    this.ended = true;
    const record = this.framing.error(error, seq);
    if (record !== undefined) this.#write(record);
    this.flush();
    this.stop();
    return record !== undefined;
  }

  /** Hands what is pending to the sink now, rather than in the microtask. */
  flush(): void {
    if (this.#pending === "") return;
    const chunk = encoder.encode(this.#pending);
    this.#pending = "";
    this.bytes += chunk.byteLength;
    this.#sink(chunk);
  }

  /** Stops the heartbeat; what is pending still leaves. */
  stop(): void {
    this.ended = true;
    this.#beat?.stop();
  }

  #startHeartbeat(): void {
    const ping = this.framing.ping;
    if (ping && !this.ended && !this.#beat) this.#beat = idleTimer(this.#options.heartbeatMs, () => this.#write(ping));
  }

  #write(text: string): void {
    if (text === "") return;
    if (this.#pending === "") queueMicrotask(this.#flush);
    this.#pending += text;
    this.#beat?.touch();
    if (this.firstAt === undefined) {
      this.firstAt = Date.now();
      this.#startHeartbeat();
      this.#options.onFirstWrite?.();
    }
  }
}
