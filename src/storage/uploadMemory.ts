import { HttpError } from "../streams/HttpError";

// What the uploads of this isolate have reserved, together. Module state: one isolate serves many requests at once.
let reserved = 0;

/**
 * Reserves what one upload may hold in memory at its worst, against `budget` for the whole isolate, before a byte of
 * its body is read; over the budget, a 503 with Retry-After. Returns the release, to call once the upload has ended.
 * A Worker isolate has 128 MB: without this, a few dozen slow uploads each holding a part buffer take every stream in it down.
 */
export function reserveUploadMemory(bytes: number, budget: number): () => void {
  if (reserved + bytes > budget) {
    throw new HttpError(503, "busy", "too many uploads in progress; retry shortly", { "retry-after": "5" });
  }
  reserved += bytes;
  let released = false;
  return () => {
    if (!released) reserved -= bytes;
    released = true;
  };
}
