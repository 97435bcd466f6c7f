import type { UIMessageChunk } from "ai";
import type { Framing } from "../../streams/framing";
import { stringifyLine } from "../../streams/jsonl";
import { encodeSSE, encodeSSEJSON } from "../../streams/sse";
import type { UISummary } from "./uiChatProducer";

const chunk = (value: UIMessageChunk) => encodeSSEJSON(stringifyLine(value));
const DONE = encodeSSE({ data: "[DONE]" });

/**
 * The AI SDK's UI message stream (protocol v1): each record a `data: {chunk}` event, the end a `finish` chunk with the
 * finish reason and usage as message metadata, a cancelled stream `abort`, any other failure an `error` chunk (its
 * message, never internal text), then `data: [DONE]`. `useChat` and `readUIMessageStream` read exactly this.
 */
export const uiMessageFraming: Framing = {
  name: "ui-message",
  contentType: "text/event-stream",
  headers: { "x-vercel-ai-ui-message-stream": "v1" },
  accepts: [],
  fixed: true,
  record: (value) => chunk(value as UIMessageChunk),
  end: (summary) => {
    const { finishReason, usage } = summary as UISummary;
    return chunk({ type: "finish", finishReason, messageMetadata: { finishReason, usage } }) + DONE;
  },
  error: (error) => (error.code === "cancelled" ? chunk({ type: "abort", reason: error.message }) : chunk({ type: "error", errorText: error.message })) + DONE,
  ping: encodeSSE({ comment: "ping" }),
};
