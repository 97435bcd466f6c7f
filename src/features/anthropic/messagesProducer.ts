import type { ChatParams } from "../../model/chatParams";
import { relayChatRecords } from "../../model/chatProducer";
import { modelUpstreams } from "../../model/modelClient";
import { ModelAnswer, type UsageEnv } from "../../model/ModelAnswer";
import type { LLMConfig } from "../../model/modelSettings";
import { parseEvent, relaySSE } from "../../model/relaySSE";
import { chatLimits } from "../../model/streamChat";
import { durableProducer } from "../../streams/durable/DurableStream";
import { HttpError } from "../../streams/HttpError";
import type { StreamContext } from "../../streams/runProducer";
import { anthropicClient, type AnthropicUpstream } from "./anthropicUpstream";
import { messageEvents, type AnthropicMessage, type ContentBlock, type MessageEvent } from "./messageEvents";

/** What a Messages stream needs; structured-cloneable, as a durable one crosses to its Durable Object. */
export type MessagesInput =
  | { mode: "translate"; params: ChatParams; config: LLMConfig; message: AnthropicMessage }
  | { mode: "native"; body: Record<string, unknown> & { model: string }; upstream: AnthropicUpstream; config: LLMConfig };

/**
 * The producer of `/v1/messages`: its records are the Messages API's events, and it returns the finished Message
 * (the framing's `message_delta` comes from it; a `stream: false` caller gets it whole). Translated: the chat relay
 * (fallbacks, tools, reasoning, the offline model) written as Anthropic's events. Native: the Anthropic upstream's own
 * stream, relayed event by event with the same watchdogs.
 */
export async function messagesProducer(input: MessagesInput, context: StreamContext, env: UsageEnv): Promise<AnthropicMessage> {
  const limits = chatLimits(input.config, context.signal);
  if (input.mode === "translate") {
    const events = messageEvents(context.send, input.message);
    return events.end(await relayChatRecords(new ModelAnswer(modelUpstreams(input.config), context, env), input.params, limits, events.record));
  }
  const answer = new ModelAnswer([{ client: anthropicClient(input.upstream) }], context, env);
  const body = { ...input.body, stream: true };
  const client = answer.primary(body);
  const open = (signal: AbortSignal) => client.fetch("/messages", { method: "POST", body, signal });
  const message = nativeMessage(answer);
  await relaySSE(open, limits, (data) => {
    const event = parseEvent<MessageEvent>(data);
    const seen = message.event(event);
    if (seen === "sent") context.send(event);
    return seen === "end" ? "end" : event.type === "message_start" || seen === "dropped" ? "quiet" : "activity";
  });
  return message.finished();
}

/**
 * The Message an Anthropic upstream's events make, gathered as they pass: what the SDK's own stream accumulates, so a
 * `stream: false` answer is relayed through the same watchdogs. `message_delta` and `message_stop` are kept for the
 * framing's end; `ping` is dropped (the stream has its own); an `error` event fails the answer.
 */
function nativeMessage(answer: ModelAnswer) {
  let message: AnthropicMessage | undefined;
  const json: string[] = [];
  return {
    event(event: MessageEvent): "sent" | "dropped" | "end" {
      switch (event.type) {
        case "message_start":
          message = { ...(event.message as AnthropicMessage), content: [] };
          return "sent";
        case "content_block_start":
          message?.content.push({ ...(event.content_block as ContentBlock) });
          return "sent";
        case "content_block_delta": {
          const block = message?.content[event.index as number] as Record<string, unknown> | undefined;
          const delta = event.delta as Record<string, string>;
          if (block && delta.type === "text_delta") block.text = `${block.text ?? ""}${delta.text}`;
          else if (block && delta.type === "thinking_delta") block.thinking = `${block.thinking ?? ""}${delta.thinking}`;
          else if (block && delta.type === "signature_delta") block.signature = delta.signature;
          else if (delta.type === "input_json_delta") json[event.index as number] = (json[event.index as number] ?? "") + delta.partial_json;
          answer.relayed(delta.text ?? delta.thinking ?? delta.partial_json ?? "");
          return "sent";
        }
        case "content_block_stop": {
          const buffered = json[event.index as number];
          const block = message?.content[event.index as number] as Record<string, unknown> | undefined;
          if (block && buffered !== undefined) block.input = parseInput(buffered);
          return "sent";
        }
        case "message_delta":
          if (message) {
            Object.assign(message, event.delta);
            message.usage = { ...message.usage, ...(event.usage as object) };
          }
          return "dropped";
        case "message_stop":
          return "end";
        case "error": {
          const type = (event.error as { type?: string } | undefined)?.type;
          throw type === "overloaded_error"
            ? new HttpError(503, "upstream_unavailable", "the model provider is overloaded; retry later")
            : new HttpError(502, "upstream_error", "the model provider failed mid-answer");
        }
        default:
          return "dropped";
      }
    },
    finished(): AnthropicMessage {
      if (!message) throw new HttpError(502, "upstream_malformed", "the model provider sent no message_start");
      const { input_tokens, output_tokens } = message.usage;
      answer.settle({ prompt_tokens: input_tokens, completion_tokens: output_tokens, total_tokens: input_tokens + output_tokens });
      return message;
    },
  };
}

function parseInput(json: string): unknown {
  try {
    return JSON.parse(json || "{}");
  } catch {
    return {};
  }
}

/** The Messages producer as a durable stream runs it (`/v1/messages?resume=1`). */
export const durableMessages = durableProducer<MessagesInput, UsageEnv>("anthropicMessages", messagesProducer);
