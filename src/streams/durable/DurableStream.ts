import { DurableObject } from "cloudflare:workers";
import { jsonl, sseFraming, type ErrorRecord, type Framing } from "../framing";
import { asHttpError, HttpError } from "../HttpError";
import { stringifyLine } from "../jsonl";
import { logStreamEnd, type Outcome } from "../logStreamEnd";
import { runProducer, type StreamContext } from "../runProducer";
import { encodeSSE } from "../sse";
import { StreamWriter } from "../StreamWriter";
import { utf8Length } from "../utf8Length";
import { eventId } from "./streamId";

/** A producer a durable stream can run: it gets the input the Worker sent (structured-cloned) and the object's env. */
export type DurableProducer<E = unknown> = (input: never, context: StreamContext, env: E) => AsyncIterable<unknown> | Promise<unknown>;

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

/** How a start went: running, or an error before the first record, which the Worker answers as a status. */
export type StartResult =
  | { ok: true }
  | { ok: false; status: number; code: string; message: string; headers: Record<string, string> };

interface StreamRow extends Record<string, SqlStorageValue> {
  stream_id: string;
  input: string;
  state: "running" | "finished";
  keep_ms: number;
  heartbeat_ms: number;
  /** Null on a row an older deploy wrote: the defaults apply. */
  max_readers: number | null;
  reader_buffer: number | null;
  format: string;
  end_seq: number | null;
  end_kind: "done" | "error" | null;
  end_data: string | null;
}

interface Reader {
  writer: StreamWriter;
  /** The response body's writable side: a native stream, so the runtime sends it without JavaScript per chunk. */
  out: WritableStreamDefaultWriter<Uint8Array>;
  /** Bytes written that the client has not taken yet (a native stream's write settles once its reader takes it). */
  unsent: number;
  /** How far `unsent` may go: the replay it was sent on joining, plus the reader buffer. */
  allowance: number;
}

// When the limits name none, and for a row written before the reader limits existed.
const DEFAULT_MAX_READERS = 16;
const DEFAULT_READER_BUFFER = 256 * 1024;

// How soon a reconnecting EventSource comes back; browsers default to about 3 s.
const RETRY_MS = 1000;
// While producing, an alarm checks this often that the stream is still being produced here (see alarm()).
const WATCHDOG_MS = 30_000;
// Records are sent at once but written to SQLite together, one row per batch: a write costs far more than its bytes,
// so a row per record, or per 100 ms, cost several times the plain relay's CPU per token (bench/README.md).
// A batch is written when it is this old or this big, and always before the end record; a restart can lose at most
// the batch not yet written, and a reader that had seen it is told `interrupted` next.
const WRITE_AFTER_MS = 1000;
const WRITE_AFTER_RECORDS = 256;
// Stops that are someone's choice, not a fault: they log as "cancelled".
const CANCELLED = new Set(["cancelled", "abandoned"]);

/**
 * One durable stream: it runs a producer, records every record in SQLite, and fans the records out to every reader
 * connected, each in its own framing (SSE with `<stream>:<seq>` ids, or JSON Lines). A reader joins at any position:
 * it is sent what it missed, then the live records, in one synchronous step, so nothing is lost or repeated between
 * the two. The stream outlives its readers for `detachedMs`; a finished stream is kept for `keepMs`, then deleted by
 * the alarm. Subclass it with the producers it may run:
 *
 *     export class StreamObject extends DurableStream<Env> {
 *       producers = { chat: chatProducer, progressive: progressiveProducer };
 *     }
 */
export abstract class DurableStream<E = unknown> extends DurableObject<E> {
  /** The producers this object may run, by the name a Worker starts them with. */
  abstract readonly producers: Record<string, DurableProducer<E>>;

  #sql = this.ctx.storage.sql;
  /** The readers following the live records. */
  #readers = new Set<Reader>();
  /** Every reader whose body is open: the live ones, and those still being sent a finished stream. */
  #connected = new Set<Reader>();
  /** Set while this instance is producing; aborting it stops the producer. */
  #abort: AbortController | undefined;
  #producing: Promise<void> | undefined;
  #detached: ReturnType<typeof setTimeout> | undefined;
  #detachedMs = 0;
  /** The position of the last record, and the bytes of JSON recorded. */
  #seq = 0;
  #bytes = 0;
  /** Records sent but not yet written: their JSON, from position `#unwrittenFrom`. */
  #unwritten: string[] = [];
  #unwrittenFrom = 1;
  #writeTimer: ReturnType<typeof setTimeout> | undefined;

  /** The framings a reader may ask for, by name. Override to add a protocol's own. */
  framings(streamId: string): Framing[] {
    return [sseFraming((seq) => eventId(streamId, seq)), jsonl];
  }

  /** Starts the producer; resolves once its first record is recorded, or with the error that came before it. */
  async start(job: DurableJob): Promise<StartResult> {
    if (this.#stream()) {
      if (!job.replace) return { ok: false, status: 409, code: "stream_exists", message: "stream id in use", headers: {} };
      await this.cancel();
    }
    const producer = this.producers[job.producer];
    if (!producer) return { ok: false, status: 500, code: "internal_error", message: "internal error", headers: {} };
    // `input` holds what the job asked to keep (`keep`), not its input: the column's name predates the difference.
    this.#sql.exec(
      `CREATE TABLE stream (stream_id TEXT, state TEXT, keep_ms INTEGER, heartbeat_ms INTEGER, format TEXT, started_at INTEGER,
        ended_at INTEGER, end_seq INTEGER, end_kind TEXT, end_data TEXT, input TEXT, max_readers INTEGER, reader_buffer INTEGER)`,
    );
    // One row per batch of records: their JSON, one per line (JSON text holds no raw line break).
    this.#sql.exec("CREATE TABLE records (last_seq INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL, data TEXT NOT NULL)");
    this.#sql.exec(
      `INSERT INTO stream (stream_id, state, keep_ms, heartbeat_ms, format, started_at, input, max_readers, reader_buffer)
        VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
      job.streamId, job.limits.keepMs, job.heartbeatMs, job.format, Date.now(), stringifyLine(job.keep ?? null),
      job.limits.maxReaders ?? DEFAULT_MAX_READERS, job.limits.readerBufferBytes ?? DEFAULT_READER_BUFFER,
    );
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
   * A reader: `GET /?after=<seq>&format=<framing>` answers with the records after `seq`, then the live ones, then the
   * end, in the framing named (else the stream's own). 404: no such stream; 406: no such framing; 416: `after` is past
   * what this stream has sent; 204: the reader already has the end, or `live=1` asked only for a stream still running;
   * 503: the stream has as many readers as it may.
   */
  override async fetch(request: Request): Promise<Response> {
    const stream = this.#stream();
    if (!stream) return new Response(null, { status: 404 });
    // Recorded as running but not being produced here: the object was restarted mid-stream (a deploy, a crash).
    if (stream.state === "running" && !this.#abort) this.#interrupted(stream);
    const url = new URL(request.url);
    const name = url.searchParams.get("format") || stream.format;
    const framing = this.framings(stream.stream_id).find((f) => f.name === name);
    if (!framing) return new Response(null, { status: 406 });
    const after = Number(url.searchParams.get("after") ?? "0");
    const end = this.#endOf();
    const live = this.#abort !== undefined;
    if (!live && url.searchParams.get("live") === "1") return new Response(null, { status: 204 });
    // A reader that has the end: 204 is what makes EventSource stop reconnecting.
    if (end && after === end.seq) return new Response(null, { status: 204 });
    // Past what was sent: a confused or probing reader, unless it saw records a restart lost before they were
    // written; then it is told how the stream ended.
    const lastSent = end ? end.seq : this.#seq;
    if (after > lastSent && !(end?.kind === "error")) return new Response(null, { status: 416 });
    // Each reader holds its replay in memory until its client takes it: their number is what bounds the object's memory.
    if (this.#connected.size >= (stream.max_readers ?? DEFAULT_MAX_READERS)) return new Response(null, { status: 503 });

    const { readable: body, writable } = new IdentityTransformStream();
    const out = writable.getWriter();
    const writer = new StreamWriter(framing, (chunk) => this.#enqueue(reader, chunk), {
      heartbeatMs: stream.heartbeat_ms,
      heartbeatNow: live,
    });
    const reader: Reader = { writer, out, unsent: 0, allowance: Infinity };
    this.#connected.add(reader);
    // The reader went away (the body was cancelled): a write fails, or the stream errors. Or it got its end.
    out.closed.then(() => this.#connected.delete(reader), () => this.#leave(reader));
    if (framing.name === "sse") this.#enqueue(reader, new TextEncoder().encode(encodeSSE({ retry: RETRY_MS })));
    for (const [seq, json] of this.#recordsAfter(after)) writer.record(JSON.parse(json), seq);
    writer.flush();
    reader.allowance = reader.unsent + (stream.reader_buffer ?? DEFAULT_READER_BUFFER);
    // A reader past the end (it saw records a restart lost) gets the end at its own position: with that id it
    // reconnects to a 204, as every reader that has the end does, rather than to this end again.
    if (end) this.#endReader(reader, end);
    // Joined in the same synchronous step as the replay was read: no record can fall between the two.
    if (live) this.#join(reader);
    return new Response(body, { headers: { ...framing.headers, "content-type": framing.contentType } });
  }

  /** What the stream is now (running or how it ended, what it kept, its first record); undefined when there is none. */
  async snapshot(): Promise<StreamSnapshot | undefined> {
    const stream = this.#stream();
    if (!stream) return undefined;
    if (stream.state === "running" && !this.#abort) this.#interrupted(stream);
    const [, first] = this.#recordsAfter(0)[Symbol.iterator]().next().value ?? [];
    const end = this.#endOf();
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
    if (!this.#stream()) return false;
    this.#abort?.abort(new HttpError(409, "cancelled", "the stream was cancelled"));
    await this.#producing;
    await this.#wipe();
    return true;
  }

  /** While producing: the watchdog. Once finished: deletes the stream, its time being up. */
  override async alarm(): Promise<void> {
    const stream = this.#stream();
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
    const send = (value: unknown) => {
      if (signal.aborted) throw signal.reason;
      if (this.#abort === undefined) throw new Error("send() after the stream ended");
      const json = stringifyLine(value);
      const size = utf8Length(json);
      if (this.#seq + 1 > job.limits.maxEvents - 1 || this.#bytes + size > job.limits.maxBytes) {
        const limit = `${job.limits.maxEvents} events or ${job.limits.maxBytes} bytes`;
        const tooLarge = new HttpError(507, "stream_too_large", `the stream outgrew what it may keep (${limit})`);
        this.#abort.abort(tooLarge);
        throw tooLarge;
      }
      this.#record(value, json, size);
      firstAt ??= Date.now();
      first();
    };
    let outcome: Outcome = "complete";
    let failure: HttpError | undefined;
    try {
      const summary = await runProducer((context) => producer(job.input as never, context, this.env), { signal, send });
      this.#end({ kind: "done", seq: this.#seq + 1, value: summary ?? {} });
    } catch (thrown) {
      failure = asHttpError(signal.aborted ? signal.reason : thrown);
      outcome = CANCELLED.has(failure.code) ? "cancelled" : "error";
      if (this.#seq === 0) {
        early(failure);
        // Readers that joined before the first record are told how it ended, as later ones would be.
        const error = { message: failure.message, code: failure.code };
        for (const reader of this.#readers) this.#endReader(reader, { kind: "error", seq: 1, value: error });
        this.#readers.clear();
        await this.#wipe();
        return;
      }
      this.#end({ kind: "error", seq: this.#seq + 1, value: { message: failure.message, code: failure.code } });
    } finally {
      logStreamEnd({
        route: job.route,
        outcome,
        failure,
        records: this.#seq,
        bytes: this.#bytes,
        startedAt,
        firstAt,
        resumable: true,
        readers: this.#readers.size,
      });
    }
    await this.#finish(job.limits.keepMs);
  }

  /** Sends one record to every reader now, and queues it for the next batch written to SQLite. */
  #record(value: unknown, json: string, size: number): void {
    const seq = ++this.#seq;
    this.#bytes += size;
    if (this.#unwritten.length === 0) {
      this.#unwrittenFrom = seq;
      this.#writeTimer = setTimeout(() => this.#write(), WRITE_AFTER_MS);
    }
    this.#unwritten.push(json);
    if (this.#unwritten.length >= WRITE_AFTER_RECORDS) this.#write();
    for (const reader of this.#readers) reader.writer.record(value, seq);
  }

  /** Writes the records not yet written as one row. */
  #write(): void {
    if (this.#writeTimer !== undefined) clearTimeout(this.#writeTimer);
    if (this.#unwritten.length === 0) return;
    const last = this.#unwrittenFrom + this.#unwritten.length - 1;
    this.#sql.exec("INSERT INTO records (last_seq, first_seq, data) VALUES (?, ?, ?)", last, this.#unwrittenFrom, this.#unwritten.join("\n"));
    this.#unwritten = [];
  }

  /** Every record after `after`, as [seq, JSON]: the rows written, then the batch not yet written. */
  *#recordsAfter(after: number): Iterable<[number, string]> {
    const rows = this.#sql.exec<{ first_seq: number; data: string }>(
      "SELECT first_seq, data FROM records WHERE last_seq > ? ORDER BY last_seq", after,
    );
    for (const row of rows) {
      const lines = row.data.split("\n");
      for (let i = Math.max(0, after - row.first_seq + 1); i < lines.length; i++) yield [row.first_seq + i, lines[i]!];
    }
    for (let i = Math.max(0, after - this.#unwrittenFrom + 1); i < this.#unwritten.length; i++) {
      yield [this.#unwrittenFrom + i, this.#unwritten[i]!];
    }
  }

  /** Records the end (after every record), sends it to every reader and closes them. */
  #end(end: End): void {
    this.#write();
    this.#sql.exec("UPDATE stream SET end_seq = ?, end_kind = ?, end_data = ?", end.seq, end.kind, stringifyLine(end.value));
    for (const reader of this.#readers) this.#endReader(reader, end);
    this.#readers.clear();
  }

  #endReader(reader: Reader, end: End): void {
    if (end.kind === "done") reader.writer.end(end.value, end.seq);
    else reader.writer.error(end.value as ErrorRecord, end.seq);
    // Rejects when its reader has already cancelled: nothing to do then.
    reader.out.close().catch(() => {});
  }

  #endOf(): End | undefined {
    const row = this.#sql.exec<Pick<StreamRow, "end_seq" | "end_kind" | "end_data">>("SELECT end_seq, end_kind, end_data FROM stream").one();
    if (row.end_kind === null) return undefined;
    return { kind: row.end_kind, seq: row.end_seq!, value: JSON.parse(row.end_data!) };
  }

  async #finish(keepMs: number): Promise<void> {
    this.#sql.exec("UPDATE stream SET state = 'finished', ended_at = ?", Date.now());
    this.#abort = undefined;
    if (this.#detached !== undefined) clearTimeout(this.#detached);
    await this.ctx.storage.setAlarm(Date.now() + keepMs);
  }

  /** Ends a stream whose producer was lost with the object's memory: its readers are told, and it is kept as usual. */
  #interrupted(stream: StreamRow): void {
    this.#seq = this.#sql.exec<{ n: number | null }>("SELECT max(last_seq) AS n FROM records").one().n ?? 0;
    this.#unwritten = [];
    const interrupted = { message: "the stream was interrupted by a restart", code: "interrupted" };
    this.#end({ kind: "error", seq: this.#seq + 1, value: interrupted });
    void this.#finish(stream.keep_ms);
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

  #join(reader: Reader): void {
    this.#readers.add(reader);
    if (this.#detached !== undefined) clearTimeout(this.#detached);
  }

  #leave(reader: Reader): void {
    reader.writer.stop();
    this.#connected.delete(reader);
    this.#readers.delete(reader);
    if (this.#readers.size === 0 && this.#abort) this.#armDetached();
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

  /** The stream's row, or undefined when this object holds none (never started, cancelled, or expired). */
  #stream(): StreamRow | undefined {
    // Asked before touching the tables, so probing an unknown id creates no storage.
    const exists = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stream'").toArray();
    if (exists.length === 0) return undefined;
    return this.#sql.exec<StreamRow>("SELECT * FROM stream").toArray()[0];
  }

  async #wipe(): Promise<void> {
    this.#abort?.abort();
    this.#abort = undefined;
    if (this.#detached !== undefined) clearTimeout(this.#detached);
    if (this.#writeTimer !== undefined) clearTimeout(this.#writeTimer);
    for (const reader of this.#readers) reader.writer.stop();
    this.#readers.clear();
    this.#connected.clear();
    this.#seq = 0;
    this.#bytes = 0;
    this.#unwritten = [];
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}

/** How a stream ended, and the position of its end record. */
interface End {
  kind: "done" | "error";
  seq: number;
  value: unknown;
}
