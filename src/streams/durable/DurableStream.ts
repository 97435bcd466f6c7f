import { DurableObject } from "cloudflare:workers";
import { jsonl, sseFraming, type Framing } from "../framing";
import { asHttpError, HttpError } from "../HttpError";
import { stringifyLine } from "../jsonl";
import { endHooks, logStreamEnd, type Outcome } from "../logStreamEnd";
import { runProducer, type StreamContext } from "../runProducer";
import { utf8Length } from "../utf8Length";
import { RecordLog, type End, type StreamRow } from "./RecordLog";
import { StreamReaders } from "./StreamReaders";
import { Waiters } from "./Waiters";
import { eventId } from "./streamId";

/** A producer a durable stream can run: it gets the input the Worker sent (structured-cloned) and the object's env. */
export type DurableProducer<E = unknown> = (input: never, context: StreamContext, env: E) => AsyncIterable<unknown> | Promise<unknown>;

/**
 * A producer with the name a Worker starts it by, declared once beside it: the route passes it (with an input its type
 * checks) and the object lists it (`producersOf`), so no name is written twice.
 */
export interface NamedProducer<I = never, E = unknown> {
  readonly name: string;
  readonly run: (input: I, context: StreamContext, env: E) => AsyncIterable<unknown> | Promise<unknown>;
}

/** Declares a producer a durable stream can run, under `name`. */
export function durableProducer<I, E = unknown>(name: string, run: NamedProducer<I, E>["run"]): NamedProducer<I, E> {
  return { name, run };
}

/** A DurableStream subclass's `producers`, from their declarations; a name given twice is a mistake, thrown at once. */
export function producersOf<E>(...list: NamedProducer<never, E>[]): Record<string, DurableProducer<E>> {
  const producers: Record<string, DurableProducer<E>> = {};
  for (const { name, run } of list) {
    if (producers[name]) throw new Error(`two durable producers are named ${name}`);
    producers[name] = run;
  }
  return producers;
}

/** How long and how big one durable stream may be. */
export interface DurableLimits {
  /** A finished stream is kept this long for late readers, then deleted. */
  keepMs: number;
  /** With no reader connected, the producer keeps going this long; then it is stopped. */
  detachedMs: number;
  /** Events recorded per stream, the end event included. */
  maxEvents: number;
  /** Bytes of record JSON recorded per stream. */
  maxBytes: number;
  /** Readers connected to one stream at once; past it, 503 with Retry-After. Default 16. */
  maxReaders?: number;
  /** Bytes a reader may leave unread past its replay before it is dropped (it can resume from where it was). Default 256 KiB. */
  readerBufferBytes?: number;
}

/** Everything a stream needs to run, decided by the Worker that admitted the request. */
export interface DurableJob {
  streamId: string;
  /** The name of the producer in the object's `producers`. */
  producer: string;
  /** The producer's input: anything structured clone can carry. Held in memory only, so it may carry settings and keys. */
  input: unknown;
  /**
   * What `snapshot()` gives back as `kept`; by default nothing. It is written to the object's storage and kept as long
   * as the stream: never a secret (the model's settings hold its API key).
   */
  keep?: unknown;
  /** Names the route in the log line. */
  route: string;
  /** The framing a reader gets when it asks for none: the route's own. */
  format: string;
  heartbeatMs: number;
  limits: DurableLimits;
  /** A stream already under this id is cancelled (its readers get `cancelled`) and replaced: a chat's next answer. */
  replace?: boolean;
  /** Runs to its end with no reader connected (a background response, polled by GET): `detachedMs` does not apply. */
  readerless?: boolean;
}

/** What a stream is now, for a route that reports on it (a Responses API `GET /v1/responses/{id}`). */
export interface StreamSnapshot {
  state: "running" | "finished";
  /** What the job asked to keep (`keep`), or null. */
  kept: unknown;
  /** The first record, once there is one. */
  first: unknown;
  /** How it ended, once it has: the summary, or the error record. */
  end?: { kind: "done" | "error"; value: unknown };
}

/** What a reader asks for: the records after `after`, in the framing named (else the stream's own). */
export interface ReadRequest {
  after: number;
  /**
   * Instead of `after`: the last `tail` positions recorded so far (the end record's included), moved back to the start
   * of the part open there when the framing has parts (`Framing.partOf`).
   */
  tail?: number;
  format?: string;
  /** Only a stream still running: a finished one answers `not_running`. */
  live?: boolean;
}

/**
 * How a read went: the body and its headers, or why there is none. `not_found`: no such stream; `no_framing`: no
 * framing of that name; `past_end`: `after` is past what the stream has sent; `has_end`: the reader already has the
 * end; `not_running`: `live` asked only for a stream still running; `busy`: the stream has as many readers as it may.
 */
export type ReadResult =
  | { ok: true; body: ReadableStream<Uint8Array>; headers: Record<string, string>; at: ReadAt }
  | { ok: false; reason: "not_found" | "no_framing" | "past_end" | "has_end" | "not_running" | "busy" };

/** What a reader that asks part by part asks for: the records after `after`, about `maxBytes` of them, waiting `waitMs` for one. */
export interface RangeRequest {
  after: number;
  maxBytes: number;
  waitMs?: number;
}

/**
 * Part of a stream: its records as [seq, JSON], the position of the last one recorded (the end's, once it ended), and
 * how it ended. `past_end`: `after` is past the last position.
 */
export type RangeResult =
  | { ok: true; records: [number, string][]; last: number; end?: End }
  | { ok: false; reason: "not_found" | "past_end" };

/** Where a read started (`after`: the reader gets the records after it) and the position of the last record then. */
export interface ReadAt {
  after: number;
  last: number;
}

/** How a start went: running, or an error before the first record, which the Worker answers as a status. */
export type StartResult =
  | { ok: true }
  | { ok: false; status: number; code: string; message: string; headers: Record<string, string> };

// When the limits name none, and for a row written before the reader limits existed.
const DEFAULT_MAX_READERS = 16;
const DEFAULT_READER_BUFFER = 256 * 1024;
// While producing, an alarm checks this often that the stream is still being produced here (see alarm()).
const WATCHDOG_MS = 30_000;
// Stops that are someone's choice, not a fault: they log as "cancelled".
const CANCELLED = new Set(["cancelled", "abandoned"]);

/**
 * One durable stream: it runs a producer, records every record in SQLite, and fans the records out to every reader
 * connected, each in its own framing (SSE with `<stream>:<seq>` ids, or JSON Lines). A reader joins at any position:
 * it is sent what it missed, then the live records, in one synchronous step, so nothing is lost or repeated between
 * the two. The stream outlives its readers for `detachedMs`; a finished stream is kept for `keepMs`, then deleted by
 * the alarm. It is three pieces: RecordLog (the records in SQLite, written in batches), StreamReaders (the fan-out, each
 * reader in its framing, its memory bounded) and this class, the job: it runs the producer, stops it when nobody reads,
 * and keeps or deletes the stream by its alarm. Subclass it with the producers it may run:
 *
 *     export const countStream = durableProducer("count", count);
 *     export class StreamObject extends DurableStream<Env> {
 *       producers = producersOf(chatStream, countStream);
 *     }
 */
export abstract class DurableStream<E = unknown> extends DurableObject<E> {
  /** The producers this object may run, by the name a Worker starts them with. */
  abstract readonly producers: Record<string, DurableProducer<E>>;

  readonly #log = new RecordLog(this.ctx.storage.sql);
  // Nobody reading any more: the producer may go on for `detachedMs`, no longer.
  readonly #readers = new StreamReaders(() => {
    if (this.#abort) this.#armDetached();
  });
  /** Readers of `range` waiting for the next record or the end. */
  readonly #waiters = new Waiters();
  /** Set while this instance is producing; aborting it stops the producer. */
  #abort: AbortController | undefined;
  #producing: Promise<void> | undefined;
  #detached: ReturnType<typeof setTimeout> | undefined;
  /** 0: the job runs with no reader (`readerless`). */
  #detachedMs = 0;

  /** The framings a reader may ask for, by name. Override to add a protocol's own. */
  framings(streamId: string): Framing[] {
    return [sseFraming((seq) => eventId(streamId, seq)), jsonl];
  }

  /** Starts the producer; resolves once its first record is recorded, or with the error that came before it. */
  async start(job: DurableJob): Promise<StartResult> {
    if (this.#log.row()) {
      if (!job.replace) return { ok: false, status: 409, code: "stream_exists", message: "stream id in use", headers: {} };
      await this.cancel();
    }
    const producer = this.producers[job.producer];
    if (!producer) return { ok: false, status: 500, code: "internal_error", message: "internal error", headers: {} };
    this.#log.create({
      streamId: job.streamId,
      keepMs: job.limits.keepMs,
      heartbeatMs: job.heartbeatMs,
      format: job.format,
      keep: job.keep,
      maxReaders: job.limits.maxReaders ?? DEFAULT_MAX_READERS,
      readerBufferBytes: job.limits.readerBufferBytes ?? DEFAULT_READER_BUFFER,
    });
    this.#detachedMs = job.readerless ? 0 : job.limits.detachedMs;
    this.#abort = new AbortController();
    this.#armDetached();
    const first = Promise.withResolvers<void>();
    let early: HttpError | undefined;
    this.#producing = this.#produce(job, producer, this.#abort.signal, first.resolve, (error) => (early = error));
    this.ctx.waitUntil(this.#producing);
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    await Promise.race([first.promise, this.#producing]);
    if (!early) return { ok: true };
    return { ok: false, status: early.status, code: early.code, message: early.message, headers: early.headers };
  }

  /**
   * A reader: the records after `after`, then the live ones, then the end, in the framing named (else the stream's
   * own); or why there is none (ReadResult).
   */
  async read({ after: asked, tail, format, live: liveOnly = false }: ReadRequest): Promise<ReadResult> {
    const stream = this.#row();
    if (!stream) return { ok: false, reason: "not_found" };
    const named = this.framings(stream.stream_id).find((f) => f.name === (format || stream.format));
    if (!named) return { ok: false, reason: "no_framing" };
    const end = this.#log.endOf();
    const live = this.#abort !== undefined;
    if (!live && liveOnly) return { ok: false, reason: "not_running" };
    const lastSent = end ? end.seq : this.#log.seq;
    const kept = stream.input ? (JSON.parse(stream.input) as unknown) : null;
    const framing = named.forStream ? named.forStream(stream.stream_id, kept, lastSent) : named;
    const after = tail === undefined ? asked : this.#partStart(framing, Math.max(0, lastSent - tail));
    if (end && after === end.seq) return { ok: false, reason: "has_end" };
    // Past what was sent: a confused or probing reader, unless it saw records a restart lost before they were
    // written; then it is told how the stream ended.
    if (after > lastSent && !(end?.kind === "error")) return { ok: false, reason: "past_end" };
    // Each reader holds its replay in memory until its client takes it: their number is what bounds the object's memory.
    if (this.#readers.open >= (stream.max_readers ?? DEFAULT_MAX_READERS)) return { ok: false, reason: "busy" };

    const bufferBytes = stream.reader_buffer ?? DEFAULT_READER_BUFFER;
    const options = { framing, heartbeatMs: stream.heartbeat_ms, live, bufferBytes, caughtUp: live && !end };
    const { body, reader } = this.#readers.openReader(options, this.#log.after(after));
    // A reader past the end (it saw records a restart lost) gets the end at its own position: with that id it
    // reconnects to a 204, as every reader that has the end does, rather than to this end again.
    if (end) this.#readers.end(reader, end);
    // Joined in the same synchronous step as the replay was read: no record can fall between the two.
    if (live) {
      this.#readers.join(reader);
      if (this.#detached !== undefined) clearTimeout(this.#detached);
    }
    return { ok: true, body, headers: { ...framing.headers, "content-type": framing.contentType }, at: { after, last: lastSent } };
  }

  /**
   * `after`, or, when the record after it is inside a part that opened earlier, the position before that part's
   * opening record. Reads the records up to it: a tail read is a reload's one request, not a hot path.
   */
  #partStart(framing: Framing, after: number): number {
    if (!framing.partOf || after === 0) return after;
    const opened = new Map<string, number>();
    for (const [seq, json] of this.#log.after(0)) {
      const part = framing.partOf(JSON.parse(json) as unknown);
      if (seq <= after) {
        if (part?.opens) opened.set(part.id, seq);
        continue;
      }
      const start = part && !part.opens ? opened.get(part.id) : undefined;
      return start === undefined ? after : start - 1;
    }
    return after;
  }

  /**
   * Part of the stream as it is now, for a reader that asks again for each part (the Durable Streams protocol): the
   * records after `after` up to about `maxBytes` of JSON (at least one), the last position recorded, and the end once
   * there is one. With `waitMs`, a reader with every record waits that long for the next one or the end.
   */
  async range({ after, maxBytes, waitMs = 0 }: RangeRequest): Promise<RangeResult> {
    let stream = this.#row();
    if (!stream) return { ok: false, reason: "not_found" };
    if (waitMs > 0 && after >= this.#log.seq && !this.#log.endOf()) {
      await this.#waiters.wait(waitMs);
      stream = this.#row();
      if (!stream) return { ok: false, reason: "not_found" };
    }
    const end = this.#log.endOf();
    const last = end ? end.seq : this.#log.seq;
    if (after > last) return { ok: false, reason: "past_end" };
    const records: [number, string][] = [];
    let bytes = 0;
    for (const [seq, json] of this.#log.after(after)) {
      if (records.length > 0 && bytes + json.length > maxBytes) break;
      records.push([seq, json]);
      bytes += json.length;
    }
    return { ok: true, records, last, ...(end ? { end } : {}) };
  }

  /** What the stream is now (running or how it ended, what it kept, its first record); undefined when there is none. */
  async snapshot(): Promise<StreamSnapshot | undefined> {
    const stream = this.#row();
    if (!stream) return undefined;
    const [, first] = this.#log.after(0)[Symbol.iterator]().next().value ?? [];
    const end = this.#log.endOf();
    return {
      state: end ? "finished" : "running",
      kept: stream.input ? (JSON.parse(stream.input) as unknown) : null,
      first: first === undefined ? undefined : (JSON.parse(first) as unknown),
      ...(end ? { end: { kind: end.kind, value: end.value } } : {}),
    };
  }

  /** Stops the producer (readers are sent the error record, code `cancelled`) and keeps the stream, ended, as any; false if none runs. */
  async stop(): Promise<boolean> {
    if (!this.#abort) return false;
    this.#abort.abort(new HttpError(409, "cancelled", "the stream was cancelled"));
    await this.#producing;
    return true;
  }

  /** Stops the producer (readers are sent the error record, code `cancelled`) and deletes the stream; false if there is none. */
  async cancel(): Promise<boolean> {
    if (!this.#log.row()) return false;
    this.#abort?.abort(new HttpError(409, "cancelled", "the stream was cancelled"));
    await this.#producing;
    await this.#wipe();
    return true;
  }

  /** While producing: the watchdog. Once finished: deletes the stream, its time being up. */
  override async alarm(): Promise<void> {
    const stream = this.#log.row();
    if (!stream) return;
    if (stream.state === "finished") return this.#wipe();
    if (this.#abort) return this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    this.#interrupted(stream);
  }

  async #produce(
    job: DurableJob,
    producer: DurableProducer<E>,
    signal: AbortSignal,
    first: () => void,
    early: (error: HttpError) => void,
  ): Promise<void> {
    const startedAt = Date.now();
    let firstAt: number | undefined;
    const log = this.#log;
    const send = (value: unknown) => {
      if (signal.aborted) throw signal.reason;
      if (this.#abort === undefined) throw new Error("send() after the stream ended");
      const json = stringifyLine(value);
      const size = utf8Length(json);
      if (log.seq + 1 > job.limits.maxEvents - 1 || log.bytes + size > job.limits.maxBytes) {
        const limit = `${job.limits.maxEvents} events or ${job.limits.maxBytes} bytes`;
        const tooLarge = new HttpError(507, "stream_too_large", `the stream outgrew what it may keep (${limit})`);
        this.#abort.abort(tooLarge);
        throw tooLarge;
      }
      // Sent to every reader now; written to SQLite with its batch.
      this.#readers.record(value, json, log.append(json, size));
      this.#waiters.wake();
      firstAt ??= Date.now();
      first();
    };
    let outcome: Outcome = "complete";
    let failure: HttpError | undefined;
    // Run here, by the one producer, not per reader: what a hook counts is counted once however many read it.
    const hooks = endHooks();
    try {
      const summary = await runProducer((context) => producer(job.input as never, context, this.env), { signal, send, atEnd: hooks.add });
      this.#end({ kind: "done", seq: log.seq + 1, value: summary ?? {} });
    } catch (thrown) {
      failure = asHttpError(signal.aborted ? signal.reason : thrown);
      outcome = CANCELLED.has(failure.code) ? "cancelled" : "error";
      const error = { kind: "error" as const, seq: log.seq + 1, value: { message: failure.message, code: failure.code } };
      if (log.seq === 0) {
        early(failure);
        // Readers that joined before the first record are told how it ended, as later ones would be; nothing is kept.
        this.#readers.endAll(error);
        await this.#wipe();
        return;
      }
      this.#end(error);
    } finally {
      logStreamEnd({
        route: job.route,
        outcome,
        failure,
        fields: hooks.run({ route: job.route, outcome, failure }),
        records: log.seq,
        bytes: log.bytes,
        startedAt,
        firstAt,
        durable: true,
        readers: this.#readers.live,
      });
    }
    await this.#finish(job.limits.keepMs);
  }

  /** Records the end (after every record), sends it to every reader and closes them. */
  #end(end: End): void {
    this.#log.end(end);
    this.#readers.endAll(end);
    this.#waiters.wake();
  }

  async #finish(keepMs: number): Promise<void> {
    this.#log.finish();
    this.#abort = undefined;
    if (this.#detached !== undefined) clearTimeout(this.#detached);
    await this.ctx.storage.setAlarm(Date.now() + keepMs);
  }

  /** The stream's row; one recorded as running but not produced here was cut by a restart, and is ended first. */
  #row(): StreamRow | undefined {
    const stream = this.#log.row();
    if (stream?.state === "running" && !this.#abort) this.#interrupted(stream);
    return stream;
  }

  /** Ends a stream whose producer was lost with the object's memory: its readers are told, and it is kept as usual. */
  #interrupted(stream: StreamRow): void {
    this.#log.recover();
    const interrupted = { message: "the stream was interrupted by a restart", code: "interrupted" };
    this.#end({ kind: "error", seq: this.#log.seq + 1, value: interrupted });
    void this.#finish(stream.keep_ms);
  }

  // Nobody reading: keep going for a while (the reader may be changing networks), then stop paying for it.
  #armDetached(): void {
    const ms = this.#detachedMs;
    if (ms === 0) return;
    if (this.#detached !== undefined) clearTimeout(this.#detached);
    this.#detached = setTimeout(() => {
      this.#abort?.abort(new HttpError(410, "abandoned", `no reader was connected for ${ms / 1000} s`));
    }, ms);
  }

  async #wipe(): Promise<void> {
    this.#abort?.abort();
    this.#abort = undefined;
    if (this.#detached !== undefined) clearTimeout(this.#detached);
    this.#readers.clear();
    this.#log.reset();
    this.#waiters.wake();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
