import type { Framing } from "../../streams/framing";
import { stringifyLine } from "../../streams/jsonl";
import { encodeSSE, encodeSSEJSON } from "../../streams/sse";
import { eventId } from "../../streams/durable/streamId";
import { INTERNAL_ERROR, rpcError, type RequestId } from "./jsonRpc";

/** The record a tools/call stream opens with: written as MCP's priming event, an id and `retry` with empty data. */
export const PRIMING = null;

const PRIMING_JSON = "null";

/** How soon a client whose stream was closed comes back (SEP-1699's `retry`). */
export const RETRY_MS = 1000;

/** What a tools/call stream keeps beside its records: the request it answers, so its error names it. */
export interface CallKept {
  requestId: RequestId;
}

/**
 * MCP's Streamable HTTP stream: each record a JSON-RPC message as one SSE `message` event, the end record the request's
 * response. A durable stream's events carry `<stream>:<seq>` ids (`forStream`), so `GET /mcp` with `Last-Event-ID`
 * resumes it. A failure answers the request with a JSON-RPC error, except a cancellation, which MCP answers with
 * nothing. Without a stream (the session's GET stream) events have no ids and the end writes nothing.
 */
export const mcpFraming: Framing = streamFraming(undefined, null);

function priming(id: string | undefined): string {
  return encodeSSE({ id, retry: RETRY_MS, data: "" });
}

function streamFraming(streamId: string | undefined, requestId: RequestId | null): Framing {
  const id = streamId === undefined ? () => undefined : (seq: number) => eventId(streamId, seq);
  return {
    name: "mcp",
    contentType: "text/event-stream",
    accepts: ["text/event-stream"],
    fixed: true,
    record: (value, seq) => (value === PRIMING ? priming(id(seq)) : encodeSSEJSON(stringifyLine(value), undefined, id(seq))),
    // A message as recorded: its JSON is already one line (stringifyLine's).
    recordJSON: (json, seq) => (json === PRIMING_JSON ? priming(id(seq)) : encodeSSEJSON(json, undefined, id(seq))),
    end: (response, seq) => (response === undefined || response === null ? "" : encodeSSEJSON(stringifyLine(response), undefined, id(seq))),
    error: (error, seq) => {
      if (requestId === null || error.code === "cancelled") return undefined;
      return encodeSSEJSON(stringifyLine(rpcError(requestId, INTERNAL_ERROR, error.message)), undefined, id(seq));
    },
    ping: encodeSSE({ comment: "ping" }),
    forStream: (streamId, kept) => streamFraming(streamId, (kept as CallKept | null)?.requestId ?? null),
  };
}
