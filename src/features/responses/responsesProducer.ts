import type OpenAI from "openai";
import { relayChatRecords } from "../../model/chatProducer";
import type { ChatParams } from "../../model/chatParams";
import { modelUpstreams } from "../../model/modelClient";
import { ModelAnswer, type UsageEnv } from "../../model/ModelAnswer";
import { parseEvent, relaySSE } from "../../model/relaySSE";
import { chatLimits } from "../../model/streamChat";
import type { LLMConfig } from "../../model/modelSettings";
import { HttpError } from "../../streams/HttpError";
import type { StreamContext } from "../../streams/runProducer";
import { responseEvents } from "./responseEvents";
import { durableProducer } from "../../streams/durable/DurableStream";

type Response = OpenAI.Responses.Response;
type Event = OpenAI.Responses.ResponseStreamEvent;

/** What a Responses stream needs; structured-cloneable, as a background one crosses to its Durable Object. */
export type ResponsesInput =
  | { mode: "translate"; params: ChatParams; config: LLMConfig; response: Response }
  | { mode: "native"; body: Record<string, unknown>; config: LLMConfig };

/** What a stored response keeps in its Durable Object's storage: the translate input without the settings (and so the key). */
export type StoredResponse = Omit<Extract<ResponsesInput, { mode: "translate" }>, "config">;

const LAST = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * The producer of `/v1/responses`: its records are the Responses API's events and it returns the finished response.
 * Translate: the chat relay (tools, reasoning, the offline model), its deltas written as Responses events. Native: the
 * upstream's own `/responses` stream, relayed event by event with the same watchdogs, numbered afresh.
 */
export async function responsesProducer(input: ResponsesInput, context: StreamContext, env: UsageEnv): Promise<Response> {
  const { signal, send } = context;
  const limits = chatLimits(input.config, signal);
  if (input.mode === "translate") {
    const events = responseEvents(send, input.response);
    return events.end(await relayChatRecords(new ModelAnswer(modelUpstreams(input.config), context, env), input.params, limits, events.record));
  }
  const body = { ...input.body, model: String(input.body.model), stream: true };
  const answer = new ModelAnswer(modelUpstreams(input.config), context, env);
  const client = answer.primary(body);
  let sequence = 0;
  let last: Response | undefined;
  const open = (upstream: AbortSignal) => client.fetch("/responses", { method: "POST", body, signal: upstream });
  await relaySSE(open, limits, (data) => {
    const event = parseEvent<Event>(data);
    if (event.type === "error") throw new HttpError(502, "upstream_error", "the model provider failed mid-answer");
    event.sequence_number = sequence++;
    send(event);
    const delta = (event as { delta?: unknown }).delta;
    if (typeof delta === "string") answer.relayed(delta);
    if (!LAST.has(event.type)) return event.type === "response.created" || event.type === "response.in_progress" ? "quiet" : "activity";
    last = (event as OpenAI.Responses.ResponseCompletedEvent).response;
    answer.settle(chatUsage(last.usage));
    return "end";
  });
  return last!;
}

/** The Responses API's usage in chat completions' names, as the log line and the usage data point count it. */
function chatUsage(usage: OpenAI.Responses.ResponseUsage | undefined): OpenAI.CompletionUsage | null {
  if (!usage) return null;
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    prompt_tokens_details: { cached_tokens: usage.input_tokens_details?.cached_tokens },
    completion_tokens_details: { reasoning_tokens: usage.output_tokens_details?.reasoning_tokens },
  };
}

/** The Responses producer as a durable stream runs it: background and stored responses. */
export const durableResponses = durableProducer<ResponsesInput, UsageEnv>("responses", responsesProducer);
