import { HttpError } from "../HttpError";

// 16 random bytes in base64url: unguessable, so a stream id is all a reader needs, and short, since every event repeats it.
const STREAM_ID = /^[A-Za-z0-9_-]{22}$/;

/** A new stream id. */
export function newStreamId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The SSE id of a resumable stream's event: the stream and the position, so `Last-Event-ID` alone says where to resume. */
export function eventId(streamId: string, seq: number): string {
  return `${streamId}:${seq}`;
}

/** Where a reconnect resumes: the stream and the last event its reader has, or undefined for an id of another kind. */
export function parseEventId(value: string): { streamId: string; seq: number } | undefined {
  const match = /^([A-Za-z0-9_-]{22}):(\d{1,9})$/.exec(value.trim());
  return match ? { streamId: match[1]!, seq: Number(match[2]) } : undefined;
}

/** Whether a value is shaped as a stream id. */
export function isStreamId(value: string | undefined): value is string {
  return value !== undefined && STREAM_ID.test(value);
}

/** Checks a stream id from a URL; anything else is a 404, as for a stream that no longer exists. */
export function checkStreamId(value: string | undefined): string {
  if (!isStreamId(value)) throw streamNotFound();
  return value;
}

export function streamNotFound(): HttpError {
  return new HttpError(404, "stream_not_found", "no such stream: it never existed, was cancelled, or has expired");
}
