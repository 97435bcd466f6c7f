import { stringifyLine } from "../../streams/jsonl";
import type { Framing } from "../../streams/framing";
import { encodeSSE, encodeSSEJSON } from "../../streams/sse";

/**
 * OpenAI's own SSE framing, for the OpenAI-compatible gateway: `data: {chunk}` per record, `data: [DONE]` at the end,
 * and `data: {"error": {…}}` on failure, which the openai SDK throws as an APIError. Its clients expect exactly this.
 */
export const openaiFraming: Framing = {
  name: "openai",
  contentType: "text/event-stream",
  accepts: [],
  fixed: true,
  record: (value) => encodeSSEJSON(stringifyLine(value)),
  end: () => encodeSSE({ data: "[DONE]" }),
  error: (error) => encodeSSE({ data: stringifyLine({ error: { ...error, type: "server_error" } }) }),
  ping: encodeSSE({ comment: "ping" }),
};
