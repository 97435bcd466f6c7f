import { drainBody } from "../http/drainBody";
import { HttpError } from "../streams/HttpError";
import { idleTimer } from "../streams/idleTimer";

// A BYOB read fills up to this much at once (the runtime hands back ~64 KiB), where a default reader gives 4 KiB.
export const READ_BYTES = 256 * 1024;

/**
 * The body's chunks, each valid until the next is asked for. Left early (a refusal, a failed store), the rest of the
 * body is drained so the refusal reaches the client; silent for `idleMs`, it is cut and a 408 thrown. Request bodies
 * are byte streams and take a BYOB reader; a stream that is not (a test's) is read plainly.
 */
export async function* bodyChunks(body: ReadableStream<Uint8Array> | null, idleMs: number): AsyncGenerator<Uint8Array> {
  if (!body) return;
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream.
  }
  const reader = byob ?? body.getReader();
  // One buffer for the whole body: each chunk is consumed (hashed, written, copied) before the next read reuses it.
  // A fresh buffer per read left several times the body as garbage for the collector.
  let buffer = new Uint8Array(READ_BYTES);
  const read = async () => {
    if (!byob) return (reader as ReadableStreamDefaultReader<Uint8Array>).read();
    const step = await byob.read(buffer);
    if (step.value) buffer = new Uint8Array(step.value.buffer);
    return step;
  };
  let idle = false;
  let reading = false;
  // Only a read counts: a slow store is not a silent client. Cancelling ends the pending read as if the body had
  // ended; `idle` tells the two apart.
  const watchdog = idleTimer(idleMs, () => {
    if (!reading) return;
    idle = true;
    void reader.cancel().catch(() => {});
  });
  const next = async () => {
    watchdog.touch();
    reading = true;
    const step = await read();
    reading = false;
    return step;
  };
  let finished = false;
  try {
    for (let step = await next(); !step.done; step = await next()) {
      if (step.value.byteLength > 0) yield step.value;
    }
    if (idle) throw new HttpError(408, "body_idle", `the body sent nothing for ${idleMs} ms`);
    finished = true;
  } finally {
    watchdog.stop();
    if (!finished && !idle) {
      reader.releaseLock();
      await drainBody(body);
    }
  }
}
