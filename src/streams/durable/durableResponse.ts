import { sse, type Framing } from "../framing";
import { HttpError } from "../HttpError";
import { negotiate, pickFraming, type Negotiated } from "../negotiate";
import type {
  DurableJob, DurableLimits, NamedProducer, RangeRequest, RangeResult, ReadAt, ReadRequest, ReadResult, StartResult, StreamSnapshot,
} from "./DurableStream";
import { newStreamId, parseEventId, streamNotFound } from "./streamId";

/** The Durable Object namespace whose objects run durable streams (a subclass of DurableStream): what is used of it. */
export interface DurableStreams {
  getByName(name: string): {
    start(job: DurableJob): Promise<StartResult>;
    cancel(): Promise<boolean>;
    stop(): Promise<boolean>;
    snapshot(): Promise<StreamSnapshot | undefined>;
    read(request: ReadRequest): Promise<ReadResult>;
    range(request: RangeRequest): Promise<RangeResult>;
  };
}

/** What a route needs to make its streams durable: the objects that run them, and their limits. */
export interface Durable {
  streams: DurableStreams;
  limits: DurableLimits;
}

export interface DurableOptions<I = unknown> {
  /** Names the route in the log line. */
  route: string;
  /** The route's framing; `Accept` may swap SSE and JSON Lines, as for a plain stream. */
  format: Framing;
  heartbeatMs: number;
  limits: DurableLimits;
  /** The producer (as the object lists it, `producersOf`), and its input, held in memory only. */
  producer: NamedProducer<I, never>;
  input: I;
  /** What `snapshot()` gives back, written to storage: never a secret (see `DurableJob.keep`). */
  keep?: unknown;
  /** Where a reader resumes: the URL path of this stream's reads, given its id. */
  location: (streamId: string) => string;
  /**
   * The stream's id; by default a new random one. A given id (a chat's) replaces the stream under it: a running one is
   * cancelled. Only an unguessable id keeps its readers private: the id is all a reader needs, API_TOKEN aside.
   */
  streamId?: string;
  /** Runs to its end with nobody connected (a background job that is polled): see `DurableJob.readerless`. */
  readerless?: boolean;
}

/**
 * Starts a durable stream: a Durable Object runs the producer and records every record, and this request is its first
 * reader. The response names the stream (`Stream-Id`, `Content-Location`); an error before the first record is still
 * a status, as for a plain stream.
 */
export async function durableResponse<I>(request: Request, streams: DurableStreams, options: DurableOptions<I>): Promise<Response> {
  const negotiated = negotiate(request.headers.get("accept"), options.format);
  const streamId = await startDurable(streams, options);
  return relay(streams, streamId, { after: 0 }, negotiated, options.location(streamId));
}

/**
 * Starts a durable stream with no reader yet (a background job: it is read later, if at all); resolves with its id
 * once its first record exists. An error before that is thrown as its status.
 */
export async function startDurable<I>(streams: DurableStreams, options: Omit<DurableOptions<I>, "location">): Promise<string> {
  const streamId = options.streamId ?? newStreamId();
  const job: DurableJob = {
    streamId,
    producer: options.producer.name,
    input: options.input,
    keep: options.keep,
    route: options.route,
    format: options.format.name,
    heartbeatMs: options.heartbeatMs,
    limits: options.limits,
    replace: options.streamId !== undefined,
    readerless: options.readerless,
  };
  const started = await streams.getByName(streamId).start(job);
  if (!started.ok) throw new HttpError(started.status, started.code, started.message, started.headers);
  return streamId;
}

/**
 * A reader of a durable stream (`GET <location>`): the records after a position, then the live ones, in the framing
 * `Accept` names, else the stream's own. The position is SSE's `Last-Event-ID` (`<stream>:<seq>`, which wins:
 * EventSource sends it to its original URL, and it means SSE) or `?after=<seq>`, the count of records the reader
 * has, which is how a JSON Lines reader resumes.
 */
export async function readDurable(request: Request, streams: DurableStreams, streamId: string): Promise<Response> {
  const location = new URL(request.url).pathname;
  const lastEventId = request.headers.get("last-event-id");
  if (lastEventId === null) return relay(streams, streamId, { after: afterParam(request) }, pickFraming(request.headers.get("accept")), location);
  const resumeAt = parseEventId(lastEventId);
  if (resumeAt?.streamId !== streamId) throw new HttpError(400, "bad_request", "Last-Event-ID is not an event of this stream");
  return relay(streams, streamId, { after: resumeAt.seq }, { framing: sse, contentType: sse.contentType }, location);
}

/**
 * A reconnect to the URL that started a stream (EventSource does it by itself, with `Last-Event-ID`): a durable
 * stream's event id resumes it; any other gets 204, the one answer that stops EventSource from asking, and paying, again.
 */
export async function resumeByLastEventId(request: Request, streams: DurableStreams, location: (streamId: string) => string): Promise<Response> {
  const resumeAt = parseEventId(request.headers.get("last-event-id") ?? "");
  if (!resumeAt) return new Response(null, { status: 204 });
  return relay(streams, resumeAt.streamId, { after: resumeAt.seq }, { framing: sse, contentType: sse.contentType }, location(resumeAt.streamId));
}

/**
 * The stream under `streamId` from its first record, then live, in `framing`, if it is still running; else 204 (it
 * finished, was cancelled, or never was). What a client that reloaded mid-answer asks for.
 */
export async function readRunning(streams: DurableStreams, streamId: string, framing: Framing, location: string): Promise<Response> {
  try {
    return await readAt(streams, streamId, { after: 0 }, framing, location, { runningOnly: true });
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return new Response(null, { status: 204 });
    throw error;
  }
}

/** Where a protocol's reader starts: after a record (a Responses API `starting_after`), or a number of records from the tail. */
export type ReadPosition = { after: number } | { tail: number };

/**
 * A durable stream from a position, then live, in `framing`. `headers` adds a protocol's own headers given where the
 * read started and the last record's position at the time (the AI SDK's `x-workflow-stream-tail-index`).
 */
export function readAt(
  streams: DurableStreams,
  streamId: string,
  position: ReadPosition,
  framing: Framing,
  location: string,
  { runningOnly = false, headers }: { runningOnly?: boolean; headers?: (at: ReadAt) => Record<string, string> } = {},
): Promise<Response> {
  return relay(streams, streamId, position, { framing, contentType: framing.contentType }, location, runningOnly, headers);
}

/** Stops a durable stream's producer, tells its readers (error record, code `cancelled`) and deletes its record. */
export async function cancelDurable(streams: DurableStreams, streamId: string): Promise<void> {
  if (!(await streams.getByName(streamId).cancel())) throw streamNotFound();
}

function afterParam(request: Request): number {
  const raw = new URL(request.url).searchParams.get("after") ?? "0";
  if (!/^\d{1,9}$/.test(raw)) throw new HttpError(400, "bad_request", "after must be an integer from 0 to 999999999");
  return Number(raw);
}

/** Passes the Durable Object's reader stream on, natively, with the headers a client resumes by. */
async function relay(
  streams: DurableStreams,
  streamId: string,
  position: ReadPosition,
  picked: Negotiated | undefined,
  location: string,
  runningOnly = false,
  extra?: (at: ReadAt) => Record<string, string>,
): Promise<Response> {
  const at = "tail" in position ? { after: 0, tail: position.tail } : position;
  const read = await streams.getByName(streamId).read({ ...at, format: picked?.framing.name, live: runningOnly });
  if (!read.ok) {
    switch (read.reason) {
      case "not_found":
        throw streamNotFound();
      case "no_framing":
        throw new HttpError(406, "not_acceptable", `this stream cannot be read as ${picked?.framing.name}`);
      case "past_end":
        throw new HttpError(400, "bad_request", "no record of this stream has that number yet");
      case "busy":
        throw new HttpError(503, "too_many_readers", "this stream has as many readers as it may; retry shortly", { "retry-after": "5" });
      default:
        // The reader has the end, or asked only for a stream still running: 204 is what stops EventSource asking again.
        return new Response(null, { status: 204, headers: { "stream-id": streamId, "content-location": location } });
    }
  }
  // The framing's own headers, as the object sent them, then the ones every stream here has.
  const headers = new Headers(read.headers);
  headers.set("stream-id", streamId);
  headers.set("content-location", location);
  if (picked) headers.set("content-type", picked.contentType);
  headers.set("cache-control", "no-cache, no-transform");
  // As for every stream here: wrangler dev would otherwise gzip it and deliver it at the end.
  headers.set("content-encoding", "identity");
  for (const [name, value] of Object.entries(extra?.(read.at) ?? {})) headers.set(name, value);
  return new Response(read.body, { headers });
}
