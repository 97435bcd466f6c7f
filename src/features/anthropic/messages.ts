import type { IRequest } from "itty-router";
import { streamOrDurable } from "../../durable/streams";
import { admitCostly } from "../../http/admitCostly";
import { readJSON } from "../../http/readJSON";
import { wantsResume } from "../../http/wantsResume";
import { chatBodyLimit } from "../../model/admitChat";
import { chatParams } from "../../model/chatParams";
import { CHARS_PER_TOKEN } from "../../model/ModelAnswer";
import { modelSettings, type LLMConfig } from "../../model/modelSettings";
import { badConfig } from "../../settings";
import { HttpError } from "../../streams/HttpError";
import { runWhole } from "../../streams/runWhole";
import { withAnthropicErrors } from "./anthropicErrors";
import { anthropicSettings, type AnthropicConfig } from "./anthropicSettings";
import { emptyMessage } from "./messageEvents";
import { durableMessages, messagesProducer, type MessagesInput } from "./messagesProducer";
import { countRequest, messagesRequest, promptChars, toChatRequest, type MessagesRequest } from "./messagesRequest";
import { messagesFraming } from "./messagesFraming";

const location = (streamId: string) => `/api/streams/${streamId}`;

/** The checks both routes make first: settings, the rate limit, the token (as a bearer or in `x-api-key`). */
async function admit(request: Request, env: Env): Promise<{ config: LLMConfig; anthropic: AnthropicConfig }> {
  const config = modelSettings(env);
  const anthropic = anthropicSettings(env);
  // A real key of either kind spends the owner's money: closed without API_TOKEN unless ALLOW_ANONYMOUS says otherwise.
  await admitCostly(request, env, { guarded: config.apiKey !== undefined || anthropic.apiKey !== undefined, apiKeyHeader: true });
  return { config, anthropic };
}

/**
 * POST /v1/messages: Anthropic's Messages API, so the Anthropic SDK and Claude Code can use this Worker as their base
 * URL. Streamed (`stream: true`) or whole; translated over the OpenAI-compatible upstream, or relayed to an Anthropic
 * one when ANTHROPIC_API_KEY is set. Every error is Anthropic's shape. `?resume=1` makes a streamed answer durable,
 * read again at /api/streams/<id>.
 */
export const createMessage = withAnthropicErrors(async (request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> => {
  const { config, anthropic } = await admit(request, env);
  const raw = await readJSON(request, chatBodyLimit(config));
  const body = messagesRequest(raw);
  const chars = promptChars(body);
  if (chars > config.maxPromptChars) {
    throw new HttpError(413, "prompt_too_large", `the prompt must be at most ${config.maxPromptChars} characters (text, thinking, tool calls and results, tools, images), not ${chars}`);
  }
  const input = anthropic.apiKey ? nativeInput(request, body, config, anthropic) : translateInput(body, config, anthropic, chars);
  if (body.stream) return streamOrDurable(request, env, ctx, wantsResume(request, raw), { format: messagesFraming, producer: durableMessages, input, location });
  return Response.json(await runWhole(request, request.route, (context) => messagesProducer(input, context, env)));
});

/** POST /v1/messages/count_tokens: `{input_tokens}`, an estimate: the characters the prompt cap counts, 4 to a token. */
export const countTokens = withAnthropicErrors(async (request: IRequest, env: Env): Promise<Response> => {
  const { config } = await admit(request, env);
  const body = countRequest(await readJSON(request, chatBodyLimit(config)));
  return Response.json({ input_tokens: Math.ceil(promptChars(body) / CHARS_PER_TOKEN) });
});

/** Translated: the chat request, its model mapped (ANTHROPIC_MODEL_MAP, else OPENAI_MODEL), `max_tokens` capped. */
function translateInput(body: MessagesRequest, config: LLMConfig, anthropic: AnthropicConfig, chars: number): MessagesInput {
  const model = anthropic.modelFor(body.model) ?? config.model;
  // A name Claude Code picked by itself is never a 400: a mapping to a model the allow-list lacks is the owner's to fix.
  if (!config.models.includes(model)) throw badConfig(`ANTHROPIC_MODEL_MAP sends ${body.model} to a model OPENAI_MODELS does not list`);
  const params = chatParams(toChatRequest(body, model, config.maxTokens), config);
  // The client sees the model it asked for; input tokens start as the estimate, the upstream's count ends the stream.
  return { mode: "translate", params, config, message: emptyMessage(body.model, Math.ceil(chars / CHARS_PER_TOKEN)) };
}

/** Native: the checked request (what it does not carry dropped), `max_tokens` capped, to the Anthropic upstream. */
function nativeInput(request: Request, body: MessagesRequest, config: LLMConfig, anthropic: AnthropicConfig): MessagesInput {
  const { stream: _stream, ...carried } = body;
  const upstream = {
    baseURL: anthropic.baseURL,
    apiKey: anthropic.apiKey!,
    version: request.headers.get("anthropic-version") ?? "2023-06-01",
    beta: request.headers.get("anthropic-beta") ?? undefined,
  };
  return { mode: "native", body: { ...carried, max_tokens: Math.min(body.max_tokens, config.maxTokens) }, upstream, config };
}
