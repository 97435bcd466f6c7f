import { LineDecoder } from "./LineDecoder";

/**
 * Decodes a byte stream into lines: characters split across chunks are joined, and LF, CRLF and CR all end a line.
 * Leaving the loop early cancels the body, which aborts the request.
 */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void> {
  const reader = body.getReader();
  const text = new TextDecoder();
  const lines = new LineDecoder();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* lines.push(text.decode(value, { stream: true }));
    }
    finished = true;
    yield* lines.push(text.decode());
    yield* lines.flush();
  } finally {
    if (!finished) await reader.cancel();
    reader.releaseLock();
  }
}
