import { HttpError } from "../../streams/HttpError";

/** The protocol's headers, as the Headers API spells them. */
export const NEXT_OFFSET = "stream-next-offset";
export const UP_TO_DATE = "stream-up-to-date";
export const CLOSED = "stream-closed";
export const CURSOR = "stream-cursor";
export const TTL = "stream-ttl";
export const EXPIRES_AT = "stream-expires-at";
export const STREAM_SEQ = "stream-seq";
export const SSE_ENCODING = "stream-sse-data-encoding";
export const FORKED_FROM = "stream-forked-from";
export const FORK_OFFSET = "stream-fork-offset";
export const FORK_SUB_OFFSET = "stream-fork-sub-offset";

/** Every protocol header a browser page may send or read cross-origin (src/http/cors.ts lists them). */
export const PROTOCOL_HEADERS = [
  NEXT_OFFSET, UP_TO_DATE, CLOSED, CURSOR, TTL, EXPIRES_AT, STREAM_SEQ, SSE_ENCODING, FORKED_FROM, FORK_OFFSET, FORK_SUB_OFFSET,
  "producer-id", "producer-epoch", "producer-seq", "producer-expected-seq", "producer-received-seq",
];

/** `Stream-Closed` counts only when it says `true`, in any case; any other value is as if it were absent. */
export function closedHeader(headers: Headers): boolean {
  return headers.get(CLOSED)?.trim().toLowerCase() === "true";
}

/** `Stream-TTL`: seconds, a decimal integer with no sign, point or leading zero. */
export function ttlHeader(headers: Headers): number | undefined {
  const value = headers.get(TTL);
  if (value === null) return undefined;
  if (!/^(0|[1-9]\d{0,9})$/.test(value)) throw new HttpError(400, "bad_ttl", "Stream-TTL must be a whole number of seconds");
  return Number(value);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `Stream-Expires-At`: an RFC 3339 time, as milliseconds since the epoch. */
export function expiresHeader(headers: Headers): number | undefined {
  const value = headers.get(EXPIRES_AT);
  if (value === null) return undefined;
  const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new HttpError(400, "bad_expires_at", "Stream-Expires-At must be an RFC 3339 time");
  return ms;
}

/** A non-negative integer header (the producer's epoch and seq): at most 2^53 - 1. */
export function integerHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null) return undefined;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new HttpError(400, "bad_header", `${name} must be a non-negative integer`);
  return n;
}
