import type { IRequest } from "itty-router";
import type OpenAI from "openai";
import { settings } from "../../settings";
import { readJSON } from "../../http/readJSON";
import { admitChat, chatBodyLimit } from "../../model/admitChat";
import { chatParams, type ChatRequestBody } from "../../model/chatParams";
import { modelUpstreams } from "../../model/modelClient";
import { ModelAnswer } from "../../model/ModelAnswer";
import { chatLimits, type ChatDelta } from "../../model/streamChat";
import { openaiFraming } from "./openaiFraming";
import { runWhole } from "../../streams/runWhole";
import { streamResponse } from "../../streams/streamResponse";

interface CompletionsBody extends ChatRequestBody {
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
}

interface Logprobs {
  content?: OpenAI.ChatCompletionTokenLogprob[] | null;
  refusal?: OpenAI.ChatCompletionTokenLogprob[] | null;
}

/**
 * POST /v1/chat/completions: OpenAI's API, so any OpenAI client can use this Worker as its base URL. Every delta the
 * upstream sends is relayed (text, tool calls, refusal, reasoning, logprobs) with its finish reason and usage. The
 * caller's bearer is checked against API_TOKEN and never forwarded: the upstream sees only the Worker's own key.
 */
export async function chatCompletions(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const config = await admitChat(request, env);
  const body = (await readJSON(request, chatBodyLimit(config))) as CompletionsBody;
  const params = chatParams(body, config);
  const base = { id: `chatcmpl-${crypto.randomUUID()}`, created: Math.floor(Date.now() / 1000), model: params.model };

  if (body.stream !== true) {
    // The same streamed upstream call, gathered: one code path for timeouts, aborts and faults.
    const message = gathered();
    const summary = await runWhole(request, request.route, (context) =>
      new ModelAnswer(modelUpstreams(config), context, env).chat(params, chatLimits(config, context.signal), message.add),
    );
    const choice = { index: 0, message: message.done(summary.tool_calls), logprobs: message.logprobs, finish_reason: summary.finish_reason };
    return Response.json({ ...base, object: "chat.completion", choices: [choice], usage: summary.usage });
  }

  const chunk = (delta: object, logprobs: unknown, finish_reason: string | null = null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs, finish_reason }],
  });
  const { heartbeatMs } = settings(env);
  return streamResponse(request, { route: request.route, format: openaiFraming, heartbeatMs, ctx }, async (context) => {
    const { signal, send } = context;
    let first = true;
    const summary = await new ModelAnswer(modelUpstreams(config), context, env).chat(params, chatLimits(config, signal), (delta, logprobs) => {
      // The role rides on the first delta: an empty role-only chunk would send the headers before the model has.
      if (first) delta.role = "assistant";
      first = false;
      send(chunk(delta, logprobs));
    });
    send(chunk({}, undefined, summary.finish_reason));
    if (body.stream_options?.include_usage) send({ ...base, object: "chat.completion.chunk", choices: [], usage: summary.usage });
  });
}

/** A whole assistant message gathered from its deltas, for `stream: false`. */
function gathered() {
  let content = "";
  let refusal = "";
  const reasoning: Record<string, string> = {};
  let logprobs: Required<Logprobs> | null = null;
  return {
    add(delta: ChatDelta, chunkLogprobs: unknown): void {
      if (delta.content) content += delta.content;
      if (delta.refusal) refusal += delta.refusal;
      // Reasoning is kept under the spelling the upstream used, as the streaming relay does.
      if (delta.reasoning_content) reasoning.reasoning_content = (reasoning.reasoning_content ?? "") + delta.reasoning_content;
      if (delta.reasoning) reasoning.reasoning = (reasoning.reasoning ?? "") + delta.reasoning;
      const more = chunkLogprobs as Logprobs | undefined;
      if (more) {
        logprobs ??= { content: [], refusal: [] };
        logprobs.content!.push(...(more.content ?? []));
        logprobs.refusal!.push(...(more.refusal ?? []));
      }
    },
    get logprobs() {
      return logprobs;
    },
    done(toolCalls: OpenAI.ChatCompletionMessageFunctionToolCall[] | undefined) {
      return {
        role: "assistant",
        content: content || (toolCalls || refusal ? null : ""),
        refusal: refusal || null,
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
        ...reasoning,
      };
    },
  };
}

/** GET /v1/models: the models callers may ask for. */
export async function listModels(request: IRequest, env: Env): Promise<Response> {
  const { models } = await admitChat(request, env);
  return Response.json({ object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "edge-streams" })) });
}
