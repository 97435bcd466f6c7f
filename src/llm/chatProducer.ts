import type { LLMConfig } from "../settings";
import type { StreamContext } from "../streams/runProducer";
import { modelClient } from "./modelClient";
import { streamChat, type ChatParams, type ChatSummary } from "./streamChat";

/** What a chat stream needs: the checked request, and the model settings of the Worker that admitted it. */
export interface ChatInput {
  params: ChatParams;
  config: LLMConfig;
}

/** The chat stream's producer: one record per text delta, the finish reason and usage as the summary. */
export function chatProducer({ params, config }: ChatInput, { signal, send }: StreamContext): Promise<ChatSummary> {
  return streamChat(modelClient(config), params, { signal, firstTokenMs: config.firstTokenMs, idleMs: config.idleMs }, send);
}
