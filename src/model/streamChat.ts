import type OpenAI from "openai";
import { HttpError } from "../streams/HttpError";
import type { LLMConfig } from "./modelSettings";
import type { ChatParams } from "./chatParams";
import type { ModelClient } from "./modelClient";
import { parseEvent, relaySSE, type RelayLimits } from "./relaySSE";
import { ToolCalls, type ToolCallDelta } from "./ToolCalls";

/**
 * One delta as the upstream sent it, mended to OpenAI's shape: every field is relayed, so this names only those the
 * Worker reads. Reasoning comes as `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter, Ollama).
 */
export interface ChatDelta {
  role?: string;
  content?: string | null;
  refusal?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
  tool_calls?: ToolCallDelta[];
  [field: string]: unknown;
}

/** How an answer ended: the end record's summary. */
export interface ChatSummary {
  finish_reason: string | null;
  usage: OpenAI.CompletionUsage | null;
  /** The answer's tool calls, assembled, when it made any: ready to send back as the assistant message's. */
  tool_calls?: OpenAI.ChatCompletionMessageFunctionToolCall[];
}

/** The watchdogs and the client's signal: a chat's first delta of any kind ends the first-token wait. */
export type ChatLimits = RelayLimits;

/** The chat watchdogs of the model settings, on `signal`. */
export function chatLimits(config: LLMConfig, signal: AbortSignal): ChatLimits {
  return { signal, firstTokenMs: config.firstTokenMs, idleMs: config.idleMs };
}

interface Chunk {
  choices?: { delta?: ChatDelta; logprobs?: unknown; finish_reason?: string | null }[];
  usage?: OpenAI.CompletionUsage | null;
  error?: unknown;
}

/**
 * Relays a chat completion from an OpenAI-compatible upstream: calls `onDelta` with each delta that carries anything
 * (text, reasoning, refusal, tool-call fragments, logprobs) as it arrives, and resolves with how the answer ended.
 * Tool calls are assembled into `calls` as their fragments pass.
 * Its body is decoded here, not by the openai SDK's iterator, which ends quietly on a stream cut before `data: [DONE]`
 * and spends a promise chain on every token. Here each network read is decoded in one synchronous pass, so the deltas
 * that arrive together cost one await and leave in one write. Timeouts, aborts and upstream faults become HttpErrors.
 */
export async function streamChat(
  client: ModelClient,
  params: ChatParams,
  limits: ChatLimits,
  onDelta: (delta: ChatDelta, logprobs: unknown) => void,
  calls = new ToolCalls(),
): Promise<ChatSummary> {
  const summary: ChatSummary = { finish_reason: null, usage: null };
  const body = { ...params, stream: true, stream_options: { include_usage: true } };
  const open = (signal: AbortSignal) => client.fetch("/chat/completions", { method: "POST", body, signal });
  await relaySSE(open, limits, (data) => {
    if (data === "[DONE]") return "end";
    const chunk = parseEvent<Chunk>(data);
    if (chunk.error) throw new HttpError(502, "upstream_error", "the model provider failed mid-answer");
    if (chunk.usage) summary.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return "quiet";
    if (choice.finish_reason) summary.finish_reason = choice.finish_reason;
    const delta = choice.delta;
    if (!delta || !(mend(delta, calls) || choice.logprobs)) return "quiet";
    // Any delta is the model at work, reasoning and tool calls included: the first-token wait is over.
    onDelta(delta, choice.logprobs ?? undefined);
    return "activity";
  });
  const toolCalls = calls.assembled;
  if (toolCalls) summary.tool_calls = toolCalls;
  return summary;
}

/**
 * Mends one delta in place to OpenAI's shape (content sent as a number, `tool_calls: []` on every delta, tool calls
 * with no index) and says whether it carries anything. Fields are cleared, not deleted, to keep the object's shape.
 */
function mend(delta: ChatDelta, calls: ToolCalls): boolean {
  if (typeof delta.content === "number") delta.content = String(delta.content);
  let any = Boolean(delta.content || delta.refusal || delta.reasoning || delta.reasoning_content);
  const fragments = delta.tool_calls;
  if (Array.isArray(fragments) && fragments.length > 0) {
    calls.push(fragments);
    any = true;
  } else if (fragments !== undefined) {
    delta.tool_calls = undefined;
  }
  return any;
}
