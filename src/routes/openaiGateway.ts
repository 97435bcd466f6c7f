import type { IRequest } from "itty-router";
import { settings } from "../settings";
import { readJSON } from "../http/readJSON";
import { admitChat, chatBodyLimit } from "../llm/admitChat";
import { chatParams, type ChatRequestBody } from "../llm/chatParams";
import { modelClient } from "../llm/modelClient";
import { streamChat } from "../llm/streamChat";
import { openaiFraming } from "../llm/openaiFraming";
import { streamResponse } from "../streams/streamResponse";

interface CompletionsBody extends ChatRequestBody {
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
}

/**
 * POST /v1/chat/completions: OpenAI's API, so any OpenAI client can use this Worker as its base URL. The caller's
 * bearer is checked against API_TOKEN and never forwarded: the upstream sees only the Worker's own key.
 */
export async function chatCompletions(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const config = await admitChat(request, env);
  const body = (await readJSON(request, chatBodyLimit(config))) as CompletionsBody;
  const params = chatParams(body, config);
  const client = modelClient(config);
  const limits = { firstTokenMs: config.firstTokenMs, idleMs: config.idleMs };
  const base = { id: `chatcmpl-${crypto.randomUUID()}`, created: Math.floor(Date.now() / 1000), model: params.model };

  if (body.stream !== true) {
    // The same streamed upstream call, gathered: one code path for timeouts, aborts and faults.
    let content = "";
    const { finish_reason, usage } = await streamChat(client, params, { ...limits, signal: request.signal }, (token) => {
      content += token;
    });
    const message = { role: "assistant", content };
    return Response.json({ ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason }], usage });
  }

  const chunk = (delta: object, finish_reason: string | null = null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason }],
  });
  const { heartbeatMs } = settings(env);
  return streamResponse(request, { route: request.route, format: openaiFraming, heartbeatMs, ctx }, async ({ signal, send }) => {
    let first = true;
    const summary = await streamChat(client, params, { ...limits, signal }, (content) => {
      // The role rides on the first token: an empty role-only chunk would send the headers before a token exists.
      send(chunk(first ? { role: "assistant", content } : { content }));
      first = false;
    });
    send(chunk({}, summary.finish_reason));
    if (body.stream_options?.include_usage) send({ ...base, object: "chat.completion.chunk", choices: [], usage: summary.usage });
  });
}

/** GET /v1/models: the models callers may ask for. */
export async function listModels(request: IRequest, env: Env): Promise<Response> {
  const { models } = await admitChat(request, env);
  return Response.json({ object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "edge-streams" })) });
}
