import { DurableObject } from "cloudflare:workers";
import { durableSettings } from "../../durable/durableSettings";
import { errorResponse } from "../../http/errorResponse";
import { settings } from "../../settings";
import { storageSettings } from "../../storage/storageSettings";
import { RecordLog } from "../../streams/durable/RecordLog";
import { StreamReaders } from "../../streams/durable/StreamReaders";
import { streamNotFound } from "../../streams/durable/streamId";
import { Waiters } from "../../streams/durable/Waiters";
import { HttpError } from "../../streams/HttpError";
import { appendBody, PeekedBody, recordSize } from "./appendBody";
import { chunkResponse, emptyResponse, PART_BYTES } from "./chunkResponse";
import { contentMode, essenceOf } from "./contentMode";
import { nextCursor } from "./cursor";
import { forkOf, type ForkPoint, type ForkRequest } from "./forks";
import { formatOffset, readQuery } from "./offsets";
import { checkProducer, producerHeaders, producerKey } from "./producerCheck";
import { protocolFraming } from "./protocolFraming";
import { CLOSED, closedHeader, EXPIRES_AT, NEXT_OFFSET, SSE_ENCODING, STREAM_SEQ, TTL } from "./protocolHeaders";
import { protocolSettings } from "./protocolSettings";
import { StreamState, type StreamMeta } from "./StreamState";
import { streamName } from "./streamPath";
import { createRequest, sameConfig } from "./createRequest";

/**
 * One stream of the Durable Streams protocol (PROTOCOL.md), named by its URL path: the durable core's record log
 * (RecordLog, the records in SQLite) and fan-out (StreamReaders, SSE readers each bounded in memory), with what the
 * protocol adds beside them (StreamState): the content type, closure, idempotent producers, TTL and expiry, forks.
 * Writers are taken one at a time (`#serial`); a reader sees an append only once it is committed whole.
 */
export class ProtocolStream extends DurableObject<Env> {
  readonly #log = new RecordLog(this.ctx.storage.sql);
  readonly #state = new StreamState(this.ctx.storage.sql);
  readonly #readers = new StreamReaders(() => {});
  /** Long-polls waiting for the next append, the close or the deletion. */
  readonly #waiters = new Waiters();
  #meta: StreamMeta | undefined;
  #loaded = false;
  /** The last committed record and the stream's size then. */
  #tail = 0;
  #bytes = 0;
  #queue: Promise<unknown> = Promise.resolve();

  override async fetch(request: Request): Promise<Response> {
    try {
      const url = new URL(request.url);
      switch (request.method) {
        case "GET":
          return await this.#get(request, url);
        case "HEAD":
          return await this.#head();
        case "PUT":
          return await this.#serial(() => this.#put(request, url));
        case "POST":
          return await this.#serial(() => this.#post(request));
        case "DELETE":
          return await this.#serial(() => this.#delete());
        default:
          throw new HttpError(405, "method_not_allowed", `${request.method} is not a stream operation`);
      }
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** For a fork being made from this stream: where it diverges and what it inherits. */
  forkPoint(request: ForkRequest): Promise<ForkPoint> {
    return this.#serial(async () => {
      const meta = await this.#current();
      return forkOf(meta, request, { tail: this.#tail, state: this.#state, records: (after, upTo) => this.#records(after, upTo, Infinity) });
    });
  }

  /**
   * A fork of this stream now exists (it has its copy of the records): while any does, deleting this stream only marks
   * it deleted. Counted once the fork is made, so a fork that failed or was cut by a restart is never counted; a
   * fork made from a stream deleted meanwhile counts for nothing.
   */
  countFork(): Promise<void> {
    return this.#serial(async () => {
      const meta = this.#load();
      if (!meta) return;
      meta.forks++;
      this.#state.save(meta);
    });
  }

  /** A part of the records up to `upTo`, for a fork copying them. */
  async copyRecords(after: number, upTo: number): Promise<[number, string][]> {
    this.#load();
    return this.#records(after, Math.min(upTo, this.#tail), PART_BYTES);
  }

  /** A fork of this stream is gone: once none is left, a stream deleted meanwhile goes too (and its source's count). */
  releaseFork(): Promise<void> {
    return this.#serial(async () => {
      const meta = this.#load();
      if (!meta) return;
      meta.forks = Math.max(0, meta.forks - 1);
      this.#state.save(meta);
      if (meta.deleted && meta.forks === 0) await this.#wipe(meta);
    });
  }

  /** Deletes the stream once its TTL or expiry has passed; else waits for the deadline as it now is. */
  override async alarm(): Promise<void> {
    await this.#serial(async () => {
      const meta = await this.#current();
      if (meta && !meta.deleted) await this.ctx.storage.setAlarm(this.#deadline(meta));
    });
  }

  async #get(request: Request, url: URL): Promise<Response> {
    const meta = await this.#existing();
    const { offset, live, cursor: echoed } = readQuery(url);
    const after = offset === "now" ? this.#tail : offset;
    if (after > this.#tail) throw new HttpError(400, "bad_offset", "the offset is past the end of the stream");
    this.#touch(meta);
    if (live === "sse") return this.#sse(meta, after, echoed);
    const base = { mode: meta.mode, contentType: meta.contentType, after, tag: meta.incarnation, shared: !settings(this.env).apiToken };
    if (offset === "now" && live === null) return emptyResponse(200, { ...base, after: this.#tail, upToDate: true, closed: meta.closed });
    const cursor = live === null ? undefined : nextCursor(echoed);
    if (live === "long-poll" && after >= this.#tail && !meta.closed) {
      const { longPollMs, maxWaiters } = protocolSettings(this.env);
      if (this.#waiters.size >= maxWaiters) {
        throw new HttpError(503, "too_many_readers", "this stream has as many long-polls waiting as it may; retry shortly", { "retry-after": "5" });
      }
      await this.#waiters.wait(longPollMs);
      if (this.#meta !== meta || meta.deleted) throw streamNotFound();
      if (after >= this.#tail) return emptyResponse(204, { ...base, after: this.#tail, upToDate: true, closed: meta.closed, cursor });
    } else if (live === "long-poll" && after >= this.#tail) {
      return emptyResponse(204, { ...base, upToDate: true, closed: true });
    }
    const records = this.#records(after, this.#tail, PART_BYTES);
    const upToDate = (records.at(-1)?.[0] ?? after) >= this.#tail;
    return chunkResponse({ ...base, records, upToDate, closed: meta.closed, cursor }, request);
  }

  #sse(meta: StreamMeta, after: number, echoed: string | null): Response {
    const durable = durableSettings(this.env);
    if (this.#readers.open >= durable.maxReaders) {
      throw new HttpError(503, "too_many_readers", "this stream has as many readers as it may; retry shortly", { "retry-after": "5" });
    }
    const framing = protocolFraming({ mode: meta.mode, last: this.#tail, cursor: echoed });
    const replay = this.#records(after, this.#tail, PART_BYTES);
    const reached = (replay.at(-1)?.[0] ?? after) >= this.#tail;
    const live = reached && !meta.closed;
    const options = { framing, heartbeatMs: settings(this.env).heartbeatMs, live, bufferBytes: durable.readerBufferBytes, caughtUp: live };
    const { body, reader } = this.#readers.openReader(options, replay);
    // Further behind than one part: it gets that part and asks again from its last control event's offset.
    if (!reached) this.#readers.release(reader);
    else if (meta.closed) this.#readers.end(reader, { kind: "done", seq: this.#tail, value: null });
    else this.#readers.join(reader);
    const headers = new Headers({ "content-type": "text/event-stream", "cache-control": "no-cache", "content-encoding": "identity" });
    if (meta.mode === "bytes") headers.set(SSE_ENCODING, "base64");
    return new Response(body, { headers });
  }

  async #head(): Promise<Response> {
    const meta = await this.#existing();
    const headers = new Headers({ "content-type": meta.contentType, [NEXT_OFFSET]: formatOffset(this.#tail), "cache-control": "no-store" });
    if (meta.ttl !== null) headers.set(TTL, String(meta.ttl));
    if (meta.expiresAt !== null) headers.set(EXPIRES_AT, new Date(meta.expiresAt).toISOString());
    if (meta.closed) headers.set(CLOSED, "true");
    return new Response(null, { headers });
  }

  async #put(request: Request, url: URL): Promise<Response> {
    const asked = createRequest(request.headers);
    const existing = await this.#current();
    if (existing?.deleted) throw new HttpError(409, "stream_deleted", "a stream deleted while it has forks cannot be made again yet");
    if (existing) {
      if (!sameConfig(existing, asked)) throw new HttpError(409, "stream_exists", "a stream with another configuration exists here");
      return this.#written(existing, 200);
    }
    let fork: (ForkPoint & { ok: true }) | undefined;
    // Its own source would wait for itself: this object takes one writer at a time.
    if (asked.fork?.from === streamName(url.pathname)) throw new HttpError(400, "bad_fork", "a stream cannot be forked from itself");
    if (asked.fork) {
      const point = await this.#sources().getByName(asked.fork.from).forkPoint({ ...asked.fork, contentType: asked.contentType });
      if (!point.ok) throw new HttpError(point.status, point.code, point.message);
      fork = point;
    }
    const limits = protocolSettings(this.env);
    const now = Date.now();
    const contentType = asked.contentType ?? fork?.contentType ?? "application/octet-stream";
    // A fork with no expiry of its own takes its source's (PROTOCOL.md 4.2).
    const inherit = fork && asked.ttl === null && asked.expiresAt === null;
    const ttl = inherit ? fork!.ttl : asked.ttl;
    const expiresAt = inherit ? fork!.expiresAt : asked.expiresAt;
    const meta: StreamMeta = {
      incarnation: crypto.randomUUID().slice(0, 8),
      contentType,
      mode: contentMode(contentType),
      ttl,
      expiresAt,
      idleUntil: 0,
      closed: false,
      closedBy: null,
      streamSeq: null,
      forkedFrom: asked.fork?.from ?? null,
      forkOffset: asked.fork?.offset ?? null,
      forkSubOffset: asked.fork?.subOffset ?? null,
      forks: 0,
      deleted: false,
    };
    meta.idleUntil = now + (this.#idleMs(meta) ?? 0);
    // Records left by a creation a restart cut short: never a stream, since its row was never written.
    if (this.#log.row()) await this.ctx.storage.deleteAll();
    this.#log.create({ streamId: url.pathname, keepMs: 0, heartbeatMs: 0, format: "protocol", keep: null, maxReaders: 0, readerBufferBytes: 0 });
    const body = await PeekedBody.of(request, storageSettings(this.env).idleMs);
    let appends: [number, number][];
    try {
      // The inherited records, then the body's, are recorded first; the stream exists once its row is written, below.
      appends = fork ? await this.#copyFork(meta, fork) : [];
      if (!body.empty) {
        const [seq = 0, bytes = 0] = appends.at(-1) ?? [];
        const size = await appendBody(body, meta.mode, this.#log, { seq, bytes, ...limits }, true);
        appends.push([this.#log.seq, size]);
      }
    } catch (error) {
      // Not made: its source has not counted it.
      await this.#wipe(meta, false);
      throw error;
    }
    // One synchronous step: the row, where each append ends, the closure. A restart before it leaves no stream.
    meta.closed = asked.closed;
    this.#state.create(meta);
    for (const [seq, bytes] of appends) this.#state.appended(seq, bytes);
    [this.#tail, this.#bytes] = appends.at(-1) ?? [0, 0];
    this.#meta = meta;
    this.#loaded = true;
    await this.ctx.storage.setAlarm(this.#deadline(meta));
    if (fork) await this.#sources().getByName(meta.forkedFrom!).countFork();
    const response = this.#written(meta, 201);
    response.headers.set("location", `${url.origin}${url.pathname}`);
    return response;
  }

  async #post(request: Request): Promise<Response> {
    const meta = await this.#existing();
    // The TTL's window slides from when a write starts: a long append does not expire under itself.
    this.#touch(meta);
    const headers = request.headers;
    const closing = closedHeader(headers);
    const producer = producerHeaders(headers);
    const body = await PeekedBody.of(request, storageSettings(this.env).idleMs);
    const empty = body.empty;
    try {
      const state = producer ? this.#state.producer(producer.id) : undefined;
      // Fenced off before anything else: a zombie learns it is one even on a closed stream.
      if (producer && state && producer.epoch < state.epoch) checkProducer(state, producer);
      if (meta.closed) {
        const retried = producer && meta.closedBy === producerKey(producer);
        if (retried || (closing && empty)) return this.#written(meta, 204, producer && state ? { epoch: state.epoch, seq: state.seq } : undefined);
        throw new HttpError(409, "stream_closed", "the stream is closed", { [CLOSED]: "true", [NEXT_OFFSET]: formatOffset(this.#tail) });
      }
      if (empty && !closing) throw new HttpError(400, "empty_body", "an append needs a body (or Stream-Closed: true to close)");
      if (!empty) {
        const type = headers.get("content-type");
        if (type === null) throw new HttpError(400, "content_type_required", "an append needs the stream's Content-Type");
        if (essenceOf(type) !== essenceOf(meta.contentType)) throw new HttpError(409, "content_type_mismatch", `this stream's content type is ${meta.contentType}`);
      }
      const verdict = producer ? checkProducer(state, producer) : undefined;
      if (verdict && "duplicate" in verdict) return this.#written(meta, 204, verdict.duplicate);
      const streamSeq = headers.get(STREAM_SEQ);
      if (streamSeq !== null && meta.streamSeq !== null && streamSeq <= meta.streamSeq) {
        throw new HttpError(409, "stream_seq_regression", `Stream-Seq must be greater than ${meta.streamSeq}`);
      }
      const room = { seq: this.#tail, bytes: this.#bytes, ...protocolSettings(this.env) };
      const bytes = empty ? this.#bytes : await appendBody(body, meta.mode, this.#log, room);
      // Recorded: everything the append changes is written in this one synchronous step, so it is kept whole or not at all.
      if (verdict) this.#state.setProducer(producer!.id, verdict.taken);
      if (streamSeq !== null) meta.streamSeq = streamSeq;
      if (closing) {
        meta.closed = true;
        meta.closedBy = producer ? producerKey(producer) : null;
      }
      this.#touch(meta);
      this.#state.save(meta);
      if (!empty) this.#commit(bytes);
      if (closing) this.#close();
      return this.#written(meta, producer && !empty ? 200 : 204, verdict?.taken);
    } finally {
      await body.close();
    }
  }

  async #delete(): Promise<Response> {
    const meta = await this.#existing();
    await this.#remove(meta);
    return new Response(null, { status: 204 });
  }

  /** The stream, or the protocol's answer when there is none: 404, or 410 once deleted with forks still alive. */
  async #existing(): Promise<StreamMeta> {
    const meta = await this.#current();
    if (!meta) throw streamNotFound();
    if (meta.deleted) throw new HttpError(410, "stream_deleted", "the stream was deleted");
    return meta;
  }

  /** The stream's row, loaded once; a stream whose time is up is deleted first. */
  async #current(): Promise<StreamMeta | undefined> {
    const meta = this.#load();
    if (meta && !meta.deleted && Date.now() >= this.#deadline(meta)) {
      await this.#remove(meta);
      return this.#meta;
    }
    return meta;
  }

  #load(): StreamMeta | undefined {
    if (this.#loaded) return this.#meta;
    this.#loaded = true;
    this.#meta = this.#state.load();
    if (this.#meta) {
      ({ seq: this.#tail, bytes: this.#bytes } = this.#state.tail());
      // An append cut by a restart left records past the last committed one: they were never acknowledged.
      this.#log.recover();
      if (this.#log.seq > this.#tail) this.#log.dropAfter(this.#tail);
    }
    return this.#meta;
  }

  /** Deletes the stream, or, while forks of it live, marks it deleted (410) until the last goes. */
  async #remove(meta: StreamMeta): Promise<void> {
    if (meta.forks === 0) return this.#wipe(meta);
    meta.deleted = true;
    this.#state.save(meta);
    this.#readers.clear();
    this.#waiters.wake();
  }

  /** Deletes everything; a fork tells its source it is gone, unless the source never counted it (`counted` false). */
  async #wipe(meta: StreamMeta, counted = true): Promise<void> {
    this.#readers.clear();
    this.#log.reset();
    this.#meta = undefined;
    this.#tail = 0;
    this.#bytes = 0;
    this.#waiters.wake();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    if (meta.forkedFrom !== null && counted) await this.#sources().getByName(meta.forkedFrom).releaseFork();
  }

  /** Makes the records appended up to the log's position readable: to the live readers, the long-polls, and the log. */
  #commit(bytes: number): void {
    const from = this.#tail;
    this.#tail = this.#log.seq;
    this.#bytes = bytes;
    this.#state.appended(this.#tail, bytes);
    // Read back from the log part by part: a long append is not held whole. A reader too far behind is dropped.
    for (let after = from; after < this.#tail && this.#readers.live > 0; ) {
      for (const [seq, json] of this.#records(after, this.#tail, PART_BYTES)) {
        this.#readers.record(null, json, seq);
        after = seq;
      }
    }
    this.#waiters.wake();
  }

  #close(): void {
    this.#readers.endAll({ kind: "done", seq: this.#tail, value: null });
    this.#waiters.wake();
  }

  /**
   * Records a fork's inherited records, copied from its source part by part; returns where each inherited append
   * ends, with the size then (the fork point ends one, and the partial record of a sub-offset another).
   */
  async #copyFork(meta: StreamMeta, fork: ForkPoint & { ok: true }): Promise<[number, number][]> {
    const source = this.#sources().getByName(meta.forkedFrom!);
    const ends = new Set(fork.appends);
    const appends: [number, number][] = [];
    let bytes = 0;
    for (let after = 0; after < fork.point; ) {
      // Over RPC, a tuple arrives as an array: it is one.
      const part = (await source.copyRecords(after, fork.point)) as unknown as [number, string][];
      if (part.length === 0) throw new HttpError(409, "fork_source_changed", "the source stream went away while it was being forked");
      for (const [seq, json] of part) {
        bytes += recordSize(meta.mode, json);
        this.#log.append(json, 0);
        this.#log.flush();
        if (ends.has(seq) || seq === fork.point) appends.push([seq, bytes]);
        after = seq;
      }
    }
    if (fork.partial !== undefined) {
      bytes += recordSize(meta.mode, fork.partial);
      this.#log.append(fork.partial, 0);
      this.#log.flush();
      appends.push([this.#log.seq, bytes]);
    }
    return appends;
  }

  /** The committed records after `after`, up to `upTo`, of about `maxBytes` of JSON (at least one). */
  #records(after: number, upTo: number, maxBytes: number): [number, string][] {
    const records: [number, string][] = [];
    let bytes = 0;
    for (const [seq, json] of this.#log.after(after)) {
      if (seq > upTo || (records.length > 0 && bytes + json.length > maxBytes)) break;
      records.push([seq, json]);
      bytes += json.length;
    }
    return records;
  }

  /** The answer to a write: the tail, closure, and the producer's state. */
  #written(meta: StreamMeta, status: number, producer?: { epoch: number; seq: number }): Response {
    const headers = new Headers({ "content-type": meta.contentType, [NEXT_OFFSET]: formatOffset(this.#tail) });
    if (meta.closed) headers.set(CLOSED, "true");
    if (producer) {
      headers.set("producer-epoch", String(producer.epoch));
      headers.set("producer-seq", String(producer.seq));
    }
    return new Response(null, { status, headers });
  }

  /** A read or a write slides the TTL's window; written when it moved a second or more, kept in memory exactly. */
  #touch(meta: StreamMeta): void {
    const idleMs = this.#idleMs(meta);
    if (idleMs === null) return;
    const until = Date.now() + idleMs;
    const moved = until - meta.idleUntil;
    meta.idleUntil = until;
    if (moved >= 1000) this.#state.save(meta);
  }

  /** How long the stream may go unused: its TTL, none with an expiry of its own, else STREAM_MAX_IDLE_DAYS. */
  #idleMs(meta: StreamMeta): number | null {
    if (meta.ttl !== null) return meta.ttl * 1000;
    return meta.expiresAt !== null ? null : protocolSettings(this.env).maxIdleMs;
  }

  #deadline(meta: StreamMeta): number {
    return Math.min(meta.expiresAt ?? Infinity, this.#idleMs(meta) === null ? Infinity : meta.idleUntil);
  }

  #sources(): DurableObjectNamespace<ProtocolStream> {
    return this.env.PROTOCOL_STREAMS;
  }

  /** Runs writers one at a time: an append reads its body in parts, and nothing may interleave with it. */
  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }
}

