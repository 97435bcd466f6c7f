import type { UIMessageChunk } from "ai";
import type { Framing } from "../streams/framing";
import { stringifyLine } from "../streams/jsonl";
import { encodeSSE, encodeSSEJSON } from "../streams/sse";
import type { UISummary } from "./uiChatProducer";

/** The header the AI SDK's UI message stream responses carry. */
export const UI_STREAM_HEADER = ["x-vercel-ai-ui-message-stream", "v1"] as const;

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
  accepts: [],
  fixed: true,
  record: (value) => encodeSSEJSON(stringifyLine(value)),
  end: (summary) => {
    const { finishReason, usage } = summary as UISummary;
    return chunk({ type: "finish", finishReason, messageMetadata: { finishReason, usage } }) + DONE;
  },
  error: (error) => (error.code === "cancelled" ? chunk({ type: "abort", reason: error.message }) : chunk({ type: "error", errorText: error.message })) + DONE,
  ping: encodeSSE({ comment: "ping" }),
};

/** The response with the UI message stream's header added. */
export function withUIStreamHeader(response: Response): Response {
  if (response.status !== 200) return response;
  const headers = new Headers(response.headers);
  headers.set(...UI_STREAM_HEADER);
  return new Response(response.body, { status: response.status, headers });
}
