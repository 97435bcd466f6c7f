import type { FinishReason, UIMessageChunk } from "ai";
import type OpenAI from "openai";
import type { ChatRecord } from "../../model/chatRecords";
import { relayChatRecords, type ChatInput } from "../../model/chatProducer";
import { modelUpstreams } from "../../model/modelClient";
import { ModelAnswer, type UsageEnv } from "../../model/ModelAnswer";
import { chatLimits } from "../../model/streamChat";
import type { StreamContext } from "../../streams/runProducer";
import { durableProducer } from "../../streams/durable/DurableStream";

/** What a UI chat stream needs: the chat request, the id of the assistant message it writes, and its options. */
export interface UIChatInput extends ChatInput {
  messageId: string;
  /** Send transient `data-status` parts ("thinking…", "calling get_weather…"): the route's data-part option. */
  status: boolean;
}

/** How a UI chat stream ended: its `finish` chunk. */
export interface UISummary {
  finishReason: FinishReason;
  usage: OpenAI.CompletionUsage | null;
}

/** The data parts this Worker sends, typed as the AI SDK types them: `useChat<UIMessage<unknown, UIDataParts>>`. */
export interface UIDataParts extends Record<string, unknown> {
  status: { text: string };
}

const FINISH: Record<string, FinishReason> = { stop: "stop", length: "length", tool_calls: "tool-calls", content_filter: "content-filter" };

/**
 * The producer of `/api/ai/chat`: the same relay as `/api/chat` (tools, reasoning, the offline model), its records
 * written as the AI SDK's UI message chunks. `start` and `start-step` wait for the model's first delta, so a model
 * that fails before it is still a status.
 */
export async function uiChatProducer({ params, config, messageId, status }: UIChatInput, context: StreamContext, env: UsageEnv): Promise<UISummary> {
  const parts = uiParts(context.send as (chunk: UIMessageChunk<unknown, UIDataParts>) => void, messageId, status);
  const answer = new ModelAnswer(modelUpstreams(config), context, env);
  const summary = await relayChatRecords(answer, params, chatLimits(config, context.signal), parts.record);
  parts.end();
  return { finishReason: FINISH[summary.finish_reason ?? ""] ?? "other", usage: summary.usage };
}

/**
 * Turns chat records into UI message chunks: text and reasoning as parts that start, grow and end (a refusal is text:
 * the protocol has no refusal part), each tool call as its input streaming, then available (or in error when the
 * model's JSON is broken).
 */
function uiParts(send: (chunk: UIMessageChunk<unknown, UIDataParts>) => void, messageId: string, status: boolean) {
  let started = false;
  let open: { kind: "text" | "reasoning"; id: string } | undefined;
  let parts = 0;
  const callIds: string[] = [];
  const begin = () => {
    if (started) return;
    started = true;
    send({ type: "start", messageId });
    send({ type: "start-step" });
  };
  const close = () => {
    if (!open) return;
    send({ type: open.kind === "text" ? "text-end" : "reasoning-end", id: open.id });
    open = undefined;
  };
  const grow = (kind: "text" | "reasoning", delta: string) => {
    begin();
    if (open?.kind !== kind) {
      close();
      open = { kind, id: `${kind}-${++parts}` };
      if (kind === "reasoning" && status) send({ type: "data-status", id: "status", data: { text: "thinking…" }, transient: true });
      send({ type: kind === "text" ? "text-start" : "reasoning-start", id: open.id });
    }
    send({ type: kind === "text" ? "text-delta" : "reasoning-delta", id: open.id, delta });
  };
  return {
    record(record: ChatRecord): void {
      if (typeof record === "string") return grow("text", record);
      switch (record.event) {
        case "reasoning":
          return grow("reasoning", record.data);
        case "refusal":
          return grow("text", record.data);
        case "tool-call-start": {
          begin();
          close();
          const toolCallId = (callIds[record.data.index] = record.data.id || `call-${record.data.index}`);
          if (status) send({ type: "data-status", id: "status", data: { text: `calling ${record.data.name}…` }, transient: true });
          return send({ type: "tool-input-start", toolCallId, toolName: record.data.name });
        }
        case "tool-call-delta":
          return send({ type: "tool-input-delta", toolCallId: callIds[record.data.index]!, inputTextDelta: record.data.arguments });
        case "tool-call": {
          const { index, name: toolName, arguments: input, invalid } = record.data;
          const toolCallId = callIds[index]!;
          if (invalid) return send({ type: "tool-input-error", toolCallId, toolName, input, errorText: "the model's tool input is not valid JSON" });
          return send({ type: "tool-input-available", toolCallId, toolName, input });
        }
      }
    },
    /** Ends the open part and the step: the answer is complete. */
    end(): void {
      begin();
      close();
      send({ type: "finish-step" });
    },
  };
}

/** The UI message producer as a durable stream runs it: every AI SDK chat answer. */
export const durableUIChat = durableProducer<UIChatInput, UsageEnv>("aiChat", uiChatProducer);
