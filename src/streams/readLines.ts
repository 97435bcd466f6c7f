import { LineDecoder } from "./LineDecoder";
import { readText } from "./readText";

/**
 * Decodes a byte stream into lines: characters split across chunks are joined, and LF, CRLF and CR all end a line.
 * Leaving the loop early, or `signal` aborting, cancels the body, which aborts the request.
 */
export async function* readLines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string, void> {
  const lines = new LineDecoder();
  for await (const text of readText(body, signal)) yield* lines.push(text);
  yield* lines.flush();
}
