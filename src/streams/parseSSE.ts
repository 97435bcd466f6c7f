import { SSEDecoder, type ServerSentEvent } from "./SSEDecoder";

export type { ServerSentEvent };

/** Parses SSE lines into events per the WHATWG rules; an event not ended by a blank line is dropped, as browsers do. */
export async function* parseSSE(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<ServerSentEvent, void> {
  const decoder = new SSEDecoder();
  for await (const line of lines) {
    const event = decoder.line(line);
    if (event) yield event;
  }
}
