import { LineDecoder } from "./LineDecoder";

/**
 * Decodes a byte stream into lines: characters split across chunks are joined, and LF, CRLF and CR all end a line.
 * Leaving the loop early, or `signal` aborting, cancels the body, which aborts the request.
 */
export async function* readLines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string, void> {
  const reader = body.getReader();
  // A generator stuck awaiting a read cannot run its `finally` until the read ends: the abort ends it.
  const cancel = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", cancel, { once: true });
  const text = new TextDecoder();
  const lines = new LineDecoder();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* lines.push(text.decode(value, { stream: true }));
    }
    finished = !signal?.aborted;
    yield* lines.push(text.decode());
    yield* lines.flush();
  } finally {
    signal?.removeEventListener("abort", cancel);
    if (!finished) await reader.cancel();
    reader.releaseLock();
  }
}
