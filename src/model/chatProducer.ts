import type { LLMConfig } from "./modelSettings";
import type { StreamContext } from "../streams/runProducer";
import type { ChatParams } from "./chatParams";
import { chatRecords, type ChatRecord } from "./chatRecords";
import { modelUpstreams } from "./modelClient";
import { ModelAnswer, type UsageEnv } from "./ModelAnswer";
import { chatLimits, type ChatLimits, type ChatSummary } from "./streamChat";
import { ToolCalls } from "./ToolCalls";
import { durableProducer } from "../streams/durable/DurableStream";

/** What a chat stream needs: the checked request, and the model settings of the Worker that admitted it. */
export interface ChatInput {
  params: ChatParams;
  config: LLMConfig;
}

/** The chat stream's producer: a record per delta (see `ChatRecord`); the finish reason, usage and tool calls as the summary. */
export function chatProducer({ params, config }: ChatInput, context: StreamContext, env: UsageEnv): Promise<ChatSummary> {
  return relayChatRecords(new ModelAnswer(modelUpstreams(config), context, env), params, chatLimits(config, context.signal), context.send);
}

/**
 * The relay as chat records: each delta turned into records as it arrives, the tool call still open finished at the
 * end. What every chat protocol here writes its own wire from (/api/chat, the AI SDK's UI stream, the Responses API).
 */
export async function relayChatRecords(
  answer: ModelAnswer,
  params: ChatParams,
  limits: ChatLimits,
  send: (record: ChatRecord) => void,
): Promise<ChatSummary> {
  const calls = new ToolCalls();
  const records = chatRecords(send, calls);
  const summary = await answer.chat(params, limits, (delta) => records.delta(delta), calls);
  records.end();
  return summary;
}

/** The chat producer as a durable stream runs it (`/api/chat?resume=1`). */
export const durableChat = durableProducer<ChatInput, UsageEnv>("chat", chatProducer);
