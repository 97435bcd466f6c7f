import { DurableObject } from "cloudflare:workers";
import { asHttpError, HttpError } from "../http/HttpError";
import type { LLMConfig } from "../llm/llmConfig";
import { modelClient } from "../llm/modelClient";
import { streamChat, type ChatParams } from "../llm/streamChat";
import { idleTimer, type IdleTimer } from "../streams/idleTimer";
import { stringifyLine } from "../streams/jsonl";
import { encodeSSE } from "../streams/sse";
import type { ResumeConfig } from "./resumeConfig";
import { eventId } from "./streamId";

/** Everything a stream needs to run, decided by the Worker that admitted the request. */
export interface ChatJob {
  streamId: string;
  params: ChatParams;
  config: LLMConfig;
  resume: ResumeConfig;
  heartbeatMs: number;
}

/** How a start went: recording, or an error before the first token, which the caller answers as a status. */
export type StartResult =
  | { ok: true }
  | { ok: false; status: number; code: string; message: string; headers: Record<string, string> };

interface StreamRow extends Record<string, SqlStorageValue> {
  stream_id: string;
  state: "running" | "finished";
  keep_ms: number;
}

interface EventRow extends Record<string, SqlStorageValue> {
  seq: number;
  event: string;
  data: string;
}

// How soon a reconnecting EventSource comes back; browsers default to about 3 s.
const RETRY_MS = 1000;
// While answering, an alarm checks this often that the answer is still being produced here (see alarm()).
const WATCHDOG_MS = 30_000;

const encoder = new TextEncoder();

/**
 * One resumable chat stream. It asks the model, records every event in SQLite as it is produced, and fans it out to
 * every reader connected. A reader joins at any point: it is sent what it missed, then the live events, in one
 * synchronous step, so nothing is lost or repeated between the two. The answer outlives its readers for
 * `detachedMs`; a finished stream is kept for `keepMs`, then deleted by the alarm.
 */
export class ChatStream extends DurableObject<Env> {
  #sql = this.ctx.storage.sql;
  #readers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  /** Set while this instance is producing the answer; aborting it stops the model. */
  #abort: AbortController | undefined;
  #producing: Promise<void> | undefined;
  #detached: ReturnType<typeof setTimeout> | undefined;
  #beat: IdleTimer | undefined;
  #streamId = "";
  #detachedMs = 0;
  #seq = 0;
  #bytes = 0;
  #pending = "";

  /** Starts the answer; resolves once its first event is recorded, or with the error that came before it. */
  async start(job: ChatJob): Promise<StartResult> {
    if (this.#stream()) return { ok: false, status: 409, code: "stream_exists", message: "stream id in use", headers: {} };
    this.#sql.exec("CREATE TABLE stream (stream_id TEXT, state TEXT, keep_ms INTEGER, started_at INTEGER, ended_at INTEGER)");
    this.#sql.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, event TEXT NOT NULL, data TEXT NOT NULL)");
    this.#sql.exec("INSERT INTO stream VALUES (?, 'running', ?, ?, NULL)", job.streamId, job.resume.keepMs, Date.now());
    this.#streamId = job.streamId;
    this.#detachedMs = job.resume.detachedMs;
    this.#abort = new AbortController();
    this.#beat = idleTimer(job.heartbeatMs, () => this.#broadcast(encodeSSE({ comment: "ping" })));
    this.#armDetached();
    const first = Promise.withResolvers<void>();
    let early: HttpError | undefined;
    this.#producing = this.#produce(job, this.#abort.signal, first.resolve, (error) => (early = error));
    this.ctx.waitUntil(this.#producing);
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    await Promise.race([first.promise, this.#producing]);
    if (!early) return { ok: true };
    return { ok: false, status: early.status, code: early.code, message: early.message, headers: early.headers };
  }

  /** A reader: `GET /?after=<seq>` answers with the events after `seq`, then the live ones. */
  override async fetch(request: Request): Promise<Response> {
    const stream = this.#stream();
    if (!stream) return new Response(null, { status: 404 });
    // Recorded as running but not being produced here: the object was restarted mid-answer (a deploy, a crash).
    if (stream.state === "running" && !this.#abort) this.#interrupted(stream);
    const after = Number(new URL(request.url).searchParams.get("after") ?? "0");
    // Past the last event recorded: a reader that says it has events nobody sent is confused, or probing.
    const last = this.#sql.exec<{ n: number | null }>("SELECT max(seq) AS n FROM events").one().n ?? 0;
    if (after > last) return new Response(null, { status: 416 });
    const rows = this.#sql.exec<EventRow>("SELECT seq, event, data FROM events WHERE seq > ? ORDER BY seq", after).toArray();
    const live = this.#abort !== undefined;
    // A finished stream the reader has all of: 204 is what makes EventSource stop reconnecting.
    if (!live && rows.length === 0) return new Response(null, { status: 204 });

    let missed = encodeSSE({ retry: RETRY_MS });
    for (const row of rows) missed += frame(stream.stream_id, row);
    let reader!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        reader = controller;
        controller.enqueue(encoder.encode(missed));
        if (!live) controller.close();
      },
      cancel: () => this.#leave(reader),
    });
    // Joined in the same synchronous step as the replay was read: no event can fall between the two.
    if (live) this.#join(reader);
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }

  /** Stops the model (readers are sent `error` with code `cancelled`) and deletes the stream; false if there is none. */
  async cancel(): Promise<boolean> {
    if (!this.#stream()) return false;
    this.#abort?.abort(new HttpError(409, "cancelled", "the stream was cancelled"));
    await this.#producing;
    await this.#wipe();
    return true;
  }

  /** While running: the watchdog. Once finished: deletes the stream, its time being up. */
  override async alarm(): Promise<void> {
    const stream = this.#stream();
    if (!stream) return;
    if (stream.state === "finished") return this.#wipe();
    if (this.#abort) return this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    this.#interrupted(stream);
  }

  async #produce(job: ChatJob, signal: AbortSignal, first: () => void, early: (error: HttpError) => void): Promise<void> {
    const startedAt = Date.now();
    const append = (event: string, data: string) => {
      const size = utf8Length(data);
      if (this.#seq + 1 > job.resume.maxEvents - 1 || this.#bytes + size > job.resume.maxBytes) {
        const limit = `${job.resume.maxEvents} events or ${job.resume.maxBytes} bytes`;
        this.#abort?.abort(new HttpError(507, "stream_too_large", `the answer outgrew what a stream may keep (${limit})`));
        return;
      }
      this.#record(event, data, size);
      first();
    };
    let outcome = "complete";
    try {
      const limits = { signal, firstTokenMs: job.config.firstTokenMs, idleMs: job.config.idleMs };
      const summary = await streamChat(modelClient(job.config), job.params, limits, (token) => {
        if (!signal.aborted) append("message", stringifyLine(token));
      });
      this.#record("done", stringifyLine(summary));
    } catch (thrown) {
      const failure = asHttpError(signal.aborted ? signal.reason : thrown);
      outcome = failure.code;
      if (this.#seq === 0) {
        early(failure);
        await this.#wipe();
        return;
      }
      this.#record("error", stringifyLine({ message: failure.message, code: failure.code }));
    } finally {
      this.#flush();
      console.log(
        JSON.stringify({
          msg: "stream ended",
          route: "/api/chat",
          resumable: true,
          outcome,
          records: this.#seq,
          bytes: this.#bytes,
          readers: this.#readers.size,
          durationMs: Date.now() - startedAt,
        }),
      );
    }
    await this.#finish(job.resume.keepMs);
  }

  /** Records one event and sends it to every reader. */
  #record(event: string, data: string, size = utf8Length(data)): void {
    const seq = ++this.#seq;
    this.#bytes += size;
    this.#sql.exec("INSERT INTO events (seq, event, data) VALUES (?, ?, ?)", seq, event, data);
    this.#broadcast(frame(this.#streamId, { seq, event, data }));
  }

  // The events of one upstream read leave as one chunk per reader: one encode for all of them, in a microtask.
  #broadcast(text: string): void {
    if (this.#pending === "") queueMicrotask(() => this.#flush());
    this.#pending += text;
    this.#beat?.touch();
  }

  #flush(): void {
    if (this.#pending === "") return;
    const chunk = encoder.encode(this.#pending);
    this.#pending = "";
    for (const reader of this.#readers) {
      try {
        reader.enqueue(chunk);
      } catch {
        this.#leave(reader);
      }
    }
  }

  async #finish(keepMs: number): Promise<void> {
    this.#sql.exec("UPDATE stream SET state = 'finished', ended_at = ?", Date.now());
    this.#abort = undefined;
    this.#beat?.stop();
    clearTimeout(this.#detached);
    for (const reader of this.#readers) {
      try {
        reader.close();
      } catch {
        // Already cancelled by its reader.
      }
    }
    this.#readers.clear();
    await this.ctx.storage.setAlarm(Date.now() + keepMs);
  }

  /** Ends a stream whose producer was lost with the object's memory: its readers are told, and it is kept as usual. */
  #interrupted(stream: StreamRow): void {
    this.#seq = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
    this.#streamId = stream.stream_id;
    this.#record("error", stringifyLine({ message: "the answer was interrupted by a restart", code: "interrupted" }));
    this.#flush();
    void this.#finish(stream.keep_ms);
  }

  #join(reader: ReadableStreamDefaultController<Uint8Array>): void {
    this.#readers.add(reader);
    clearTimeout(this.#detached);
  }

  #leave(reader: ReadableStreamDefaultController<Uint8Array>): void {
    this.#readers.delete(reader);
    if (this.#readers.size === 0 && this.#abort) this.#armDetached();
  }

  // Nobody reading: keep answering for a while (the reader may be changing networks), then stop paying for it.
  #armDetached(): void {
    const ms = this.#detachedMs;
    clearTimeout(this.#detached);
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
    this.#beat?.stop();
    clearTimeout(this.#detached);
    this.#readers.clear();
    this.#seq = 0;
    this.#bytes = 0;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}

/** The UTF-8 length of a string, which the byte cap counts, without encoding it. JSON text has no lone surrogates. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Code units below 0x80 take one byte; below 0x800 two; each half of a surrogate pair two (four for the pair); else three.
    if (code >= 0x80) bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

function frame(streamId: string, row: { seq: number; event: string; data: string }): string {
  return encodeSSE({ id: eventId(streamId, row.seq), event: row.event === "message" ? undefined : row.event, data: row.data });
}
