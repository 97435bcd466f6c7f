import { durable } from "../../durable/streams";
import { readAt } from "../../streams/durable/durableResponse";
import { isStreamId, streamNotFound } from "../../streams/durable/streamId";
import type { RangeResult } from "../../streams/durable/DurableStream";
import { HttpError } from "../../streams/HttpError";
import { stringifyLine } from "../../streams/jsonl";
import { settings } from "../../settings";
import { chunkResponse, emptyResponse, PART_BYTES } from "./chunkResponse";
import { nextCursor } from "./cursor";
import { formatOffset, readQuery } from "./offsets";
import { closedEvent, ownStreamFraming } from "./protocolFraming";
import { CLOSED, NEXT_OFFSET } from "./protocolHeaders";
import { protocolSettings } from "./protocolSettings";

/**
 * The project's own durable streams (a chat answer with ?resume=1, a progressive response, an AI SDK answer, a stored
 * response) have ids of 22 base64url characters, or with a colon (`ai-chat:<chat id>`): at /v1/stream/<id> they are
 * read through the protocol, never written. A name of that shape that is none of them is a protocol stream's.
 */
export async function isOwnStream(env: Env, name: string): Promise<boolean> {
  if (!name.includes(":") && !isStreamId(name)) return false;
  return (await durable(env).streams.getByName(name).range({ after: 0, maxBytes: 0 })).ok;
}

/**
 * One of the project's durable streams read through the protocol, in JSON mode: each record a message, the end record
 * one more (`{"$done": summary}` or `{"$error": {message, code}}`, as in JSON Lines), then the stream is closed. The
 * offsets are the records' positions. Its producer writes it: appends, closing and deleting here are refused (405).
 */
export async function readOwnStream(request: Request, env: Env, name: string): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    throw new HttpError(405, "read_only", "this stream is written by its producer: it can only be read here", { allow: "GET, HEAD" });
  }
  const stream = durable(env).streams.getByName(name);
  const url = new URL(request.url);
  if (request.method === "HEAD") {
    const head = found(await stream.range({ after: 0, maxBytes: 0 }));
    const headers = new Headers({ "content-type": "application/json", [NEXT_OFFSET]: formatOffset(head.last), "cache-control": "no-store" });
    if (head.end) headers.set(CLOSED, "true");
    return new Response(null, { headers });
  }
  const { offset, live, cursor: echoed } = readQuery(url);
  const tail = offset === "now" || live === "sse" ? found(await stream.range({ after: 0, maxBytes: 0 })) : undefined;
  const after = offset === "now" ? tail!.last : (offset as number);
  if (live === "sse") {
    if (after > tail!.last) throw new HttpError(400, "bad_offset", "the offset is past the end of the stream");
    // At the end of a stream that ended: the closing control event (the core's reader would answer 204).
    if (tail!.end && after >= tail!.last) return new Response(closedEvent(tail!.last), { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    return readAt(durable(env).streams, name, { after }, ownStreamFraming, url.pathname);
  }
  const base = { mode: "json" as const, contentType: "application/json", after, tag: name, shared: !settings(env).apiToken };
  if (offset === "now" && live === null) return emptyResponse(200, { ...base, upToDate: true, closed: tail!.end !== undefined });
  const waitMs = live === "long-poll" ? protocolSettings(env).longPollMs : 0;
  const part = found(await stream.range({ after, maxBytes: PART_BYTES, waitMs }));
  const records = part.records;
  const reached = (records.at(-1)?.[0] ?? after) + 1;
  if (part.end && reached === part.end.seq) {
    const { kind, value } = part.end;
    records.push([part.end.seq, stringifyLine(kind === "done" ? { $done: value ?? {} } : { $error: value })]);
  }
  const cursor = live === null ? undefined : nextCursor(echoed);
  const closed = part.end !== undefined;
  if (records.length === 0 && live !== null) return emptyResponse(204, { ...base, upToDate: true, closed, cursor });
  const upToDate = (records.at(-1)?.[0] ?? after) >= part.last;
  return chunkResponse({ ...base, records, upToDate, closed, cursor }, request);
}

function found(result: RangeResult): RangeResult & { ok: true } {
  if (!result.ok) throw result.reason === "not_found" ? streamNotFound() : new HttpError(400, "bad_offset", "the offset is past the end of the stream");
  return result;
}
