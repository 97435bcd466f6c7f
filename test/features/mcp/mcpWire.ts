import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { callWorker, postJSON } from "../../support/callWorker";

export const ACCEPT_BOTH = { accept: "application/json, text/event-stream" };

/** A raw POST /mcp of one message, as a client sends it. */
export function post(message: unknown, headers: Record<string, string> = {}, vars: Partial<Env> = {}): Promise<Response> {
  return callWorker("/mcp", postJSON(message, { ...ACCEPT_BOTH, ...headers }), vars);
}

/** A new session's id, from a raw initialize. */
export async function openSession(vars: Partial<Env> = {}): Promise<string> {
  const response = await post({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }, {}, vars);
  return response.headers.get("mcp-session-id")!;
}

/** The SSE events of a body, as an MCP client's parser reads them. */
export function eventsOf(body: ReadableStream<Uint8Array>): ReadableStreamDefaultReader<EventSourceMessage> {
  return body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
}

/** Reads `count` events, or all of them when count is undefined. */
export async function readEvents(reader: ReadableStreamDefaultReader<EventSourceMessage>, count = Infinity): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    events.push(value);
  }
  return events;
}
