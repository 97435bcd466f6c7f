import type OpenAI from "openai";
import type { Ending } from "../streams/logStreamEnd";
import type { StreamContext } from "../streams/runProducer";
import type { ChatParams } from "./chatParams";
import type { ModelClient, ModelUpstream } from "./modelClient";
import { streamChat, type ChatDelta, type ChatLimits, type ChatSummary } from "./streamChat";
import { ToolCalls } from "./ToolCalls";
import { isUpstreamFault } from "./upstreamError";

/** An answer's tokens, as its log line and usage data point carry them. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** When the upstream counts them. */
  reasoning_tokens?: number;
  cached_tokens?: number;
  /** The upstream sent no usage (the client left first, or it never does): counted from what was sent and relayed. */
  estimated?: true;
}

/** What a usage report needs of the env: the optional Analytics Engine binding. */
export interface UsageEnv {
  USAGE?: AnalyticsEngineDataset;
}

/**
 * Characters to a token, OpenAI's rule of thumb for English text: every estimate here uses it (usage the upstream did
 * not send, Anthropic's count_tokens, a Responses chain's size).
 */
export const CHARS_PER_TOKEN = 4;

/**
 * One answer from the model, however a protocol frames it: it tries the upstreams in order (the primary, then
 * MODEL_FALLBACKS) until one sends its first delta, and counts the answer's usage once. An upstream that fails before
 * its first delta with a fault of its own (unreachable, 408, 409, 429, 5xx, silent past the first-token wait) gives
 * way to the next; nothing has reached the client yet, so it never sees the failure. After the first delta, a failure
 * is the answer's.
 *
 * When the stream ends, however it ends, the answer reports once: the upstream that answered, how many were tried and
 * the usage (exact when the upstream sent it, else estimated) go on the stream-end log line, and, when the `USAGE`
 * Analytics Engine binding is set, into one data point.
 */
export class ModelAnswer {
  /** The upstream answering (or last tried), by name; the model asked of it; how many upstreams were tried. */
  upstream = "";
  model = "";
  tried = 0;
  readonly #upstreams: ModelUpstream[];
  /** What was asked of the upstream: an estimate counts its size as the prompt. */
  #sent: { model: string } = { model: "" };
  #deltas = 0;
  #relayedChars = 0;
  /** An upstream took the request (2xx): its prompt is counted in an estimate. */
  #accepted = false;
  #usage: OpenAI.CompletionUsage | null = null;

  /** `upstreams`: in the order to try them, `modelUpstreams(config)`. */
  constructor(upstreams: ModelUpstream[], context: Pick<StreamContext, "atEnd">, env: UsageEnv) {
    this.#upstreams = upstreams;
    context.atEnd((end) => this.#report(end, env.USAGE));
  }

  /** The chat relay (`streamChat`) of `params` through the first upstream that answers. */
  async chat(
    params: ChatParams,
    limits: ChatLimits,
    onDelta: (delta: ChatDelta, logprobs: unknown) => void,
    calls = new ToolCalls(),
  ): Promise<ChatSummary> {
    const counted = (delta: ChatDelta, logprobs: unknown) => {
      this.#deltas++;
      this.#relayedChars += deltaChars(delta);
      onDelta(delta, logprobs);
    };
    const upstreams = this.#upstreams;
    for (let i = 0; ; i++) {
      const { client, model = params.model } = upstreams[i]!;
      this.upstream = client.name;
      this.model = model;
      this.tried = i + 1;
      const asked = model === params.model ? params : { ...params, model };
      this.#sent = asked;
      try {
        const summary = await streamChat(this.#accepting(client), asked, limits, counted, calls);
        this.#usage = summary.usage;
        return summary;
      } catch (error) {
        const last = i === upstreams.length - 1;
        if (last || this.#deltas > 0 || limits.signal.aborted || !isUpstreamFault(error)) throw error;
      }
    }
  }

  /**
   * For a relay of another wire (native Responses), sending `body`: the primary only, as fallbacks speak chat
   * completions. It returns the client to call; the relay reports what it relays (`relayed`) and its usage (`settle`).
   */
  primary(body: { model: string }): ModelClient {
    const { client } = this.#upstreams[0]!;
    this.upstream = client.name;
    this.model = body.model;
    this.tried = 1;
    this.#sent = body;
    return this.#accepting(client);
  }

  /** Text the relay passed on: an estimate counts it. */
  relayed(text: string): void {
    this.#relayedChars += text.length;
  }

  /** The upstream's own count of the answer's usage. */
  settle(usage: OpenAI.CompletionUsage | null): void {
    this.#usage = usage;
  }

  /** The answer's usage so far: the upstream's own count, or an estimate from what was sent and relayed. */
  get usage(): Usage {
    const exact = this.#usage;
    if (exact) {
      const usage: Usage = { prompt_tokens: exact.prompt_tokens, completion_tokens: exact.completion_tokens, total_tokens: exact.total_tokens };
      const reasoning = exact.completion_tokens_details?.reasoning_tokens;
      const cached = exact.prompt_tokens_details?.cached_tokens;
      if (reasoning) usage.reasoning_tokens = reasoning;
      if (cached) usage.cached_tokens = cached;
      return usage;
    }
    const prompt = this.#accepted ? Math.ceil(JSON.stringify(this.#sent).length / CHARS_PER_TOKEN) : 0;
    const completion = Math.ceil(this.#relayedChars / CHARS_PER_TOKEN);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, estimated: true };
  }

  #accepting(client: ModelClient): ModelClient {
    return {
      name: client.name,
      fetch: async (path, init) => {
        const response = await client.fetch(path, init);
        this.#accepted = true;
        return response;
      },
    };
  }

  #report(end: Ending, sink: AnalyticsEngineDataset | undefined): Record<string, unknown> {
    const usage = this.usage;
    try {
      sink?.writeDataPoint({
        indexes: [this.model.slice(0, 96)],
        blobs: [end.route, this.model, this.upstream, end.outcome, end.failure?.code ?? ""],
        doubles: [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens, usage.reasoning_tokens ?? 0, usage.cached_tokens ?? 0, usage.estimated ? 1 : 0, this.tried],
      });
    } catch (error) {
      // Metering must never fail the answer: the log line below still carries the usage.
      console.error("the USAGE data point was not written", error);
    }
    return { model: this.model, upstream: this.upstream, tried: this.tried, usage };
  }
}

/** The characters of text a delta carries: its content, reasoning, refusal and tool-call arguments. */
function deltaChars(delta: ChatDelta): number {
  let chars = (delta.content?.length ?? 0) + (delta.reasoning?.length ?? 0) + (delta.reasoning_content?.length ?? 0) + (delta.refusal?.length ?? 0);
  if (delta.tool_calls) for (const call of delta.tool_calls) chars += call.function?.arguments?.length ?? 0;
  return chars;
}
