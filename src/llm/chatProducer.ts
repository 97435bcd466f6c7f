import type { LLMConfig } from "../settings";
import type { StreamContext } from "../streams/runProducer";
import type { ChatParams } from "./chatParams";
import { chatRecords } from "./chatRecords";
import { modelClient } from "./modelClient";
import { streamChat, type ChatSummary } from "./streamChat";
import { ToolCalls } from "./ToolCalls";

/** What a chat stream needs: the checked request, and the model settings of the Worker that admitted it. */
export interface ChatInput {
  params: ChatParams;
  config: LLMConfig;
}

/** The chat stream's producer: a record per delta (see `ChatRecord`); the finish reason, usage and tool calls as the summary. */
export async function chatProducer({ params, config }: ChatInput, { signal, send }: StreamContext): Promise<ChatSummary> {
  const calls = new ToolCalls();
  const records = chatRecords(send, calls);
  const limits = { signal, firstTokenMs: config.firstTokenMs, idleMs: config.idleMs };
  const summary = await streamChat(modelClient(config), params, limits, (delta) => records.delta(delta), calls);
  records.end();
  return summary;
}
