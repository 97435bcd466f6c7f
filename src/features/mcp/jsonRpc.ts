/** A JSON-RPC request id: MCP allows a string or an integer, never null. */
export type RequestId = string | number;

/** One message a client sent: a request (it has an id), a notification (none), or a response to the server's request. */
export type ClientMessage =
  | { kind: "request"; id: RequestId; method: string; params: Record<string, unknown> }
  | { kind: "notification"; method: string; params: Record<string, unknown> }
  | { kind: "response" };

/** The JSON-RPC error codes MCP uses. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** The implementation-defined range's first code: a transport-level refusal (no session, a bad header, 401, 429). */
export const SERVER_ERROR = -32000;

/** A JSON-RPC error the route answers with, at an HTTP status (200 for a request's own error, 4xx for the transport's). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = 200,
    readonly id: RequestId | null = null,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

export function result(id: RequestId, value: unknown): { jsonrpc: "2.0"; id: RequestId; result: unknown } {
  return { jsonrpc: "2.0", id, result: value };
}

export function rpcError(id: RequestId | null, code: number, message: string) {
  return { jsonrpc: "2.0" as const, id, error: { code, message } };
}

export function notification(method: string, params: Record<string, unknown>) {
  return { jsonrpc: "2.0" as const, method, params };
}

/**
 * Checks one JSON-RPC message, a POST body parsed. A batch (an array) is refused: MCP dropped batching in
 * 2025-06-18, and each message here gets its own response and stream.
 */
export function parseMessage(value: unknown): ClientMessage {
  if (Array.isArray(value)) throw new RpcError(INVALID_REQUEST, "Invalid Request: batches are not supported; send one message per POST", 400);
  if (typeof value !== "object" || value === null) throw invalid("a message must be a JSON object");
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== "2.0") throw invalid('jsonrpc must be "2.0"');
  const { id, method, params = {} } = message;
  if (id !== undefined && !isRequestId(id)) throw invalid("id must be an integer or a string of at most 256 characters");
  if (method === undefined) {
    if (id !== undefined && ("result" in message || "error" in message)) return { kind: "response" };
    throw invalid("method is required");
  }
  if (typeof method !== "string") throw invalid("method must be a string");
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new RpcError(INVALID_PARAMS, "Invalid params: params must be an object", 200, isRequestId(id) ? id : null);
  }
  const checked = params as Record<string, unknown>;
  return id === undefined ? { kind: "notification", method, params: checked } : { kind: "request", id, method, params: checked };
}

// An id is kept with its call (for notifications/cancelled) and repeated in every event: a long one is refused.
const MAX_ID_CHARS = 256;

/** A request id (or progress token) this server takes: an integer, or a string of at most 256 characters. */
export function isRequestId(value: unknown): value is RequestId {
  return (typeof value === "string" && value.length <= MAX_ID_CHARS) || (typeof value === "number" && Number.isSafeInteger(value));
}

function invalid(why: string): RpcError {
  return new RpcError(INVALID_REQUEST, `Invalid Request: ${why}`, 400);
}
