import { HttpError } from "../../streams/HttpError";
import { essenceOf } from "./contentMode";
import { parseOffset } from "./offsets";
import { closedHeader, expiresHeader, FORK_OFFSET, FORK_SUB_OFFSET, FORKED_FROM, ttlHeader } from "./protocolHeaders";
import type { StreamMeta } from "./StreamState";
import { streamName } from "./streamPath";

/** What a PUT asks for (PROTOCOL.md 5.1, 4.2). */
export interface CreateRequest {
  /** As given; none: `application/octet-stream`, or a fork's source's. */
  contentType: string | null;
  ttl: number | null;
  expiresAt: number | null;
  closed: boolean;
  fork?: { from: string; offset: string | null; subOffset: string | null };
}

/** A PUT's headers, checked: TTL or expiry (not both), the fork's source, offset and sub-offset. */
export function createRequest(headers: Headers): CreateRequest {
  const ttl = ttlHeader(headers) ?? null;
  const expiresAt = expiresHeader(headers) ?? null;
  if (ttl !== null && expiresAt !== null) throw new HttpError(400, "ttl_and_expiry", "give Stream-TTL or Stream-Expires-At, not both");
  const from = headers.get(FORKED_FROM);
  const offset = headers.get(FORK_OFFSET);
  const sub = headers.get(FORK_SUB_OFFSET);
  const asked: CreateRequest = { contentType: headers.get("content-type"), ttl, expiresAt, closed: closedHeader(headers) };
  if (from === null) {
    if (offset !== null || sub !== null) throw new HttpError(400, "bad_fork", "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From");
    return asked;
  }
  if (offset !== null && parseOffset(offset, "Stream-Fork-Offset") === "now") throw new HttpError(400, "bad_fork", "Stream-Fork-Offset must be an offset");
  if (sub !== null && !/^\d{1,15}$/.test(sub)) throw new HttpError(400, "bad_fork", "Stream-Fork-Sub-Offset must be a non-negative integer");
  const subOffset = sub === null || Number(sub) === 0 ? null : String(Number(sub));
  if (subOffset !== null && offset === null) throw new HttpError(400, "bad_fork", "Stream-Fork-Sub-Offset needs Stream-Fork-Offset");
  return { ...asked, fork: { from: streamName(new URL(from, "http://x").pathname), offset, subOffset } };
}

/** Does an existing stream match what a PUT asks for (then 200), or not (409)? */
export function sameConfig(meta: StreamMeta, asked: CreateRequest): boolean {
  const type = asked.contentType ?? (asked.fork ? meta.contentType : "application/octet-stream");
  if (essenceOf(type) !== essenceOf(meta.contentType)) return false;
  if (asked.closed !== meta.closed) return false;
  const inherited = asked.fork && asked.ttl === null && asked.expiresAt === null;
  if (!inherited && (asked.ttl !== meta.ttl || asked.expiresAt !== meta.expiresAt)) return false;
  const fork = asked.fork;
  return (fork?.from ?? null) === meta.forkedFrom && (fork?.offset ?? null) === meta.forkOffset && (fork?.subOffset ?? null) === meta.forkSubOffset;
}
