import { fromBase64 } from "./base64";
import type { ContentMode } from "./contentMode";
import { formatOffset } from "./offsets";
import { CLOSED, CURSOR, NEXT_OFFSET, UP_TO_DATE } from "./protocolHeaders";

// What one catch-up or long-poll answer, or one SSE connection's replay, carries at most (of JSON, or of base64): a
// reader further behind asks again from the offset it was given, so no answer holds a whole stream in memory.
export const PART_BYTES = 1024 * 1024;

/** One part of a stream, as a catch-up or long-poll read answers it. */
export interface Chunk {
  mode: ContentMode;
  contentType: string;
  /** The records, as [seq, JSON], after `after`. */
  records: [number, string][];
  after: number;
  /** The reader now has every record there is; and, `closed`, there will be no more. */
  upToDate: boolean;
  closed: boolean;
  /** Names the stream (and its incarnation) in the ETag. */
  tag: string;
  /** May a shared cache keep it (no API_TOKEN guards reads)? */
  shared: boolean;
  /** Live reads carry a cursor. */
  cursor?: string;
}

/**
 * The answer to a catch-up or long-poll read (PROTOCOL.md 5.6): JSON messages as one array, bytes as they were
 * appended; the offset to ask next, whether the reader is up to date, whether the stream is closed. A closed stream's
 * parts never change, so they may be cached (`Cache-Control`, `ETag`; an `If-None-Match` that matches is a 304).
 */
export function chunkResponse(chunk: Chunk, request: Request): Response {
  const next = chunk.records.length > 0 ? chunk.records[chunk.records.length - 1]![0] : chunk.after;
  const closedNow = chunk.closed && chunk.upToDate;
  const etag = `"${chunk.tag}:${formatOffset(chunk.after)}:${formatOffset(next)}${closedNow ? ":c" : ""}"`;
  const headers = new Headers({ etag, [NEXT_OFFSET]: formatOffset(next) });
  if (chunk.upToDate) headers.set(UP_TO_DATE, "true");
  if (closedNow) headers.set(CLOSED, "true");
  if (chunk.cursor !== undefined) headers.set(CURSOR, chunk.cursor);
  headers.set("cache-control", chunk.closed ? `${chunk.shared ? "public" : "private"}, max-age=60, stale-while-revalidate=300` : "no-store");
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  headers.set("content-type", chunk.contentType);
  return new Response(chunkBody(chunk.mode, chunk.records), { headers });
}

/** The records as a body: a JSON array of the messages, or the bytes. */
export function chunkBody(mode: ContentMode, records: [number, string][]): string | Uint8Array {
  if (mode === "json") return `[${records.map(([, json]) => json).join(",")}]`;
  const parts = records.map(([, json]) => fromBase64(JSON.parse(json) as string));
  const body = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    body.set(part, at);
    at += part.byteLength;
  }
  return body;
}

/** The answer of a read with nothing to send: offset=now, or a long-poll that waited in vain (204). */
export function emptyResponse(status: 200 | 204, chunk: Omit<Chunk, "records">): Response {
  const headers = new Headers({ [NEXT_OFFSET]: formatOffset(chunk.after), [UP_TO_DATE]: "true", "cache-control": "no-store" });
  if (chunk.closed) headers.set(CLOSED, "true");
  if (chunk.cursor !== undefined && !chunk.closed) headers.set(CURSOR, chunk.cursor);
  if (status === 204) return new Response(null, { status, headers });
  headers.set("content-type", chunk.contentType);
  return new Response(chunk.mode === "json" ? "[]" : "", { status, headers });
}
