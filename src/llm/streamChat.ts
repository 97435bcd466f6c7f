import type OpenAI from "openai";
import { HttpError } from "../streams/HttpError";
import { idleTimer, type IdleTimer } from "../streams/idleTimer";
import { readText } from "../streams/readText";
import { SSEDecoder } from "../streams/SSEDecoder";
import { upstreamError } from "./upstreamError";

/** One message of a chat. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What is sent upstream. */
export interface ChatParams {
  model: string;
  messages: ChatMessage[];
  max_tokens: number;
  temperature?: number;
  top_p?: number;
}

/** How an answer ended: the end record's summary. */
export interface ChatSummary {
  finish_reason: string | null;
  usage: OpenAI.CompletionUsage | null;
}

export interface ChatLimits {
  /** Fires when our client leaves: the upstream request is aborted with it. */
  signal: AbortSignal;
  /** Upstream silent this long before the first token: 504. */
  firstTokenMs: number;
  /** Upstream silent this long between tokens: 504. */
  idleMs: number;
}

interface Chunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: OpenAI.CompletionUsage | null;
  error?: unknown;
}

/**
 * Relays a chat completion from an OpenAI-compatible upstream: calls `onToken` with each text delta as it arrives and
 * resolves with how the answer ended. The SDK sends the request (auth, base URL, status errors); its raw body is
 * decoded here, because the SDK's own iterator ends quietly on a stream cut before `data: [DONE]` and spends a
 * promise chain on every token. Here each network read is decoded in one synchronous pass, so the tokens that arrive
 * together cost one await and leave in one write. Timeouts, aborts and upstream faults become HttpErrors.
 */
export async function streamChat(
  client: OpenAI,
  params: ChatParams,
  limits: ChatLimits,
  onToken: (content: string) => void,
): Promise<ChatSummary> {
  const upstream = new AbortController();
  const leave = () => upstream.abort(limits.signal.reason);
  limits.signal.addEventListener("abort", leave, { once: true });
  let timeout: HttpError | undefined;
  const expire = (message: string) => () => {
    timeout = new HttpError(504, "upstream_timeout", message);
    upstream.abort(timeout);
  };
  let watchdog: IdleTimer = idleTimer(limits.firstTokenMs, expire("the model sent no first token in time"));
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
        if (choice?.finish_reason) summary.finish_reason = choice.finish_reason;
        const content = choice?.delta?.content;
        if (!content) continue;
        if (first) {
          first = false;
          watchdog.stop();
          watchdog = idleTimer(limits.idleMs, expire("the model went silent mid-answer"));
        }
        onToken(content);
      }
      // Anything the upstream sends keeps it alive between tokens; before the first token only a token counts.
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
  return summary;
}

function parseChunk(data: string): Chunk {
  try {
    return JSON.parse(data) as Chunk;
  } catch {
    throw new HttpError(502, "upstream_malformed", "the model provider sent a malformed chunk");
  }
}
