import type OpenAI from "openai";
import { HttpError } from "../streams/HttpError";
import { idleTimer, type IdleTimer } from "../streams/idleTimer";
import { readText } from "../streams/readText";
import { SSEDecoder } from "../streams/SSEDecoder";
import type { ChatParams } from "./chatParams";
import { ToolCalls, type ToolCallDelta } from "./ToolCalls";
import { upstreamError } from "./upstreamError";

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

export interface ChatLimits {
  /** Fires when our client leaves: the upstream request is aborted with it. */
  signal: AbortSignal;
  /** Upstream sends no delta of any kind (text, reasoning, tool call, refusal) this long: 504. */
  firstTokenMs: number;
  /** Upstream sends not a byte this long once it has started: 504. */
  idleMs: number;
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
 * The SDK sends the request (auth, base URL, status errors); its raw body is decoded here, because the SDK's own
 * iterator ends quietly on a stream cut before `data: [DONE]` and spends a promise chain on every token. Here each
 * network read is decoded in one synchronous pass, so the deltas that arrive together cost one await and leave in one
 * write. Timeouts, aborts and upstream faults become HttpErrors.
 */
export async function streamChat(
  client: OpenAI,
  params: ChatParams,
  limits: ChatLimits,
  onDelta: (delta: ChatDelta, logprobs: unknown) => void,
  calls = new ToolCalls(),
): Promise<ChatSummary> {
  const upstream = new AbortController();
  const leave = () => upstream.abort(limits.signal.reason);
  limits.signal.addEventListener("abort", leave, { once: true });
  let timeout: HttpError | undefined;
  const expire = (message: string) => () => {
    timeout = new HttpError(504, "upstream_timeout", message);
    upstream.abort(timeout);
  };
  let watchdog: IdleTimer = idleTimer(limits.firstTokenMs, expire("the model sent nothing in time"));
  const summary: ChatSummary = { finish_reason: null, usage: null };
  let first = true;
  let finished = false;
  try {
    const response = await client.chat.completions
      .create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal: upstream.signal })
      .asResponse();
    const events = new SSEDecoder();
    reading: for await (const text of readText(response.body!, upstream.signal)) {
      for (const { data } of events.push(text)) {
        if (data === "[DONE]") {
          finished = true;
          break reading;
        }
        const chunk = parseChunk(data);
        if (chunk.error) throw new HttpError(502, "upstream_error", "the model provider failed mid-answer");
        if (chunk.usage) summary.usage = chunk.usage;
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.finish_reason) summary.finish_reason = choice.finish_reason;
        const delta = choice.delta;
        if (!delta || !(mend(delta, calls) || choice.logprobs)) continue;
        if (first) {
          // Any delta is the model at work, reasoning and tool calls included: the first-token wait is over.
          first = false;
          watchdog.stop();
          watchdog = idleTimer(limits.idleMs, expire("the model went silent mid-answer"));
        }
        onDelta(delta, choice.logprobs ?? undefined);
      }
      // Once started, any byte keeps it alive (keep-alive comments too); before, only a delta counts.
      if (!first) watchdog.touch();
    }
  } catch (error) {
    throw timeout ?? upstreamError(error);
  } finally {
    watchdog.stop();
    limits.signal.removeEventListener("abort", leave);
    // Leaving early (the client went away) or failing: make sure the upstream request stops too.
    if (!finished) upstream.abort();
  }
  if (limits.signal.aborted) throw limits.signal.reason;
  if (!finished) throw new HttpError(502, "upstream_cut", "the model's answer was cut off");
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

function parseChunk(data: string): Chunk {
  try {
    return JSON.parse(data) as Chunk;
  } catch {
    throw new HttpError(502, "upstream_malformed", "the model provider sent a malformed chunk");
  }
}
