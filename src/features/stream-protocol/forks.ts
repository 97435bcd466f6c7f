import { headOf, recordSize } from "./appendBody";
import { essenceOf } from "./contentMode";
import { parseOffset } from "./offsets";
import type { StreamMeta, StreamState } from "./StreamState";

/** A fork's request to its source: where to diverge, and the content type the fork asked for, if any. */
export interface ForkRequest {
  offset: string | null;
  subOffset: string | null;
  contentType: string | null;
}

/**
 * Where a fork diverges: it inherits the source's records up to `point` (and the appends ending at or before it), then
 * `partial`, the head of the next record when a bytes sub-offset falls inside it; with the source's type and expiry.
 */
export type ForkPoint =
  | { ok: true; contentType: string; ttl: number | null; expiresAt: number | null; point: number; partial?: string; appends: number[] }
  | { ok: false; status: number; code: string; message: string };

/** What a source stream lends to the fork check. */
export interface ForkSource {
  tail: number;
  state: StreamState;
  records: (after: number, upTo: number) => [number, string][];
}

/**
 * The fork check, on the source (PROTOCOL.md 4.2): it exists and is not deleted, the type matches, the offset is not
 * past its tail, and a sub-offset stays inside the append after the offset (messages for JSON, bytes otherwise).
 */
export function forkOf(meta: StreamMeta | undefined, request: ForkRequest, source: ForkSource): ForkPoint {
  if (!meta) return { ok: false, status: 404, code: "stream_not_found", message: "the stream to fork does not exist" };
  if (meta.deleted) return { ok: false, status: 409, code: "stream_deleted", message: "the stream to fork was deleted" };
  if (request.contentType !== null && essenceOf(request.contentType) !== essenceOf(meta.contentType)) {
    return { ok: false, status: 409, code: "content_type_mismatch", message: `the stream to fork is ${meta.contentType}` };
  }
  const offset = request.offset === null ? source.tail : (parseOffset(request.offset, "Stream-Fork-Offset") as number);
  if (offset > source.tail) return badFork("Stream-Fork-Offset is past the end of the stream to fork");
  let point = offset;
  let partial: string | undefined;
  const sub = Number(request.subOffset ?? 0);
  if (sub > 0) {
    const end = source.state.appendAfter(offset);
    if (end === undefined) return badFork("Stream-Fork-Sub-Offset is past the end of the stream to fork");
    if (meta.mode === "json") {
      if (offset + sub > end) return badFork("Stream-Fork-Sub-Offset is past the append's messages");
      point = offset + sub;
    } else {
      let left = sub;
      for (const [seq, json] of source.records(offset, end)) {
        const size = recordSize(meta.mode, json);
        if (left < size) {
          partial = headOf(json, left);
          left = 0;
          break;
        }
        left -= size;
        point = seq;
        if (left === 0) break;
      }
      if (left > 0) return badFork("Stream-Fork-Sub-Offset is past the append's bytes");
    }
  }
  return { ok: true, contentType: meta.contentType, ttl: meta.ttl, expiresAt: meta.expiresAt, point, partial, appends: source.state.appendsUpTo(point) };
}

function badFork(message: string): ForkPoint {
  return { ok: false, status: 400, code: "bad_fork", message };
}
