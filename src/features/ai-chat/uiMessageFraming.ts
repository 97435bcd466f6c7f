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
 * message, never internal text), then `data: [DONE]`. `useChat` and `readUIMessageStream` read exactly this. Its
 * parts (text, reasoning, a tool call's input) are what a read from the tail is never started inside.
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
  partOf: (value) => {
    const chunk = value as UIMessageChunk;
    switch (chunk.type) {
      case "text-start":
      case "reasoning-start":
        return { id: chunk.id, opens: true };
      case "text-delta":
      case "text-end":
      case "reasoning-delta":
      case "reasoning-end":
        return { id: chunk.id, opens: false };
      case "tool-input-start":
        return { id: chunk.toolCallId, opens: true };
      case "tool-input-delta":
      case "tool-input-available":
      case "tool-input-error":
        return { id: chunk.toolCallId, opens: false };
      default:
        return undefined;
    }
  },
};
