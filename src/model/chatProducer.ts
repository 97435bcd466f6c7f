import type { LLMConfig } from "./modelSettings";
import type { StreamContext } from "../streams/runProducer";
import type { ChatParams } from "./chatParams";
import { chatRecords, type ChatRecord } from "./chatRecords";
import { modelClient, type ModelClient } from "./modelClient";
import { chatLimits, streamChat, type ChatLimits, type ChatSummary } from "./streamChat";
import { ToolCalls } from "./ToolCalls";
import { durableProducer } from "../streams/durable/DurableStream";

/** What a chat stream needs: the checked request, and the model settings of the Worker that admitted it. */
export interface ChatInput {
  params: ChatParams;
  config: LLMConfig;
}

/** The chat stream's producer: a record per delta (see `ChatRecord`); the finish reason, usage and tool calls as the summary. */
export function chatProducer({ params, config }: ChatInput, { signal, send }: StreamContext): Promise<ChatSummary> {
  return relayChatRecords(modelClient(config), params, chatLimits(config, signal), send);
}

/**
 * The relay as chat records: each delta turned into records as it arrives, the tool call still open finished at the
 * end. What every chat protocol here writes its own wire from (/api/chat, the AI SDK's UI stream, the Responses API).
 */
export async function relayChatRecords(
  client: ModelClient,
  params: ChatParams,
  limits: ChatLimits,
  send: (record: ChatRecord) => void,
): Promise<ChatSummary> {
  const calls = new ToolCalls();
  const records = chatRecords(send, calls);
  const summary = await streamChat(client, params, limits, (delta) => records.delta(delta), calls);
  records.end();
  return summary;
}

/** The chat producer as a durable stream runs it (`/api/chat?resume=1`). */
export const durableChat = durableProducer<ChatInput>("chat", chatProducer);
