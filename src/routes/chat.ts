import type { IRequest } from "itty-router";
import { readConfig } from "../config";
import { HttpError } from "../http/HttpError";
import { readJSON } from "../http/readJSON";
import { admitChat, chatBodyLimit } from "../llm/admitChat";
import { chatParams, type ChatRequestBody } from "../llm/chatParams";
import { modelClient } from "../llm/modelClient";
import { streamChat } from "../llm/streamChat";
import { streamResponse } from "../streams/streamResponse";

/**
 * GET /api/chat?q=… and POST /api/chat ({"messages": […]} or {"message": "…"}): the model's answer as it is written,
 * one SSE event per text delta (JSON Lines on request), ending with `done` (finish reason, usage) or `error`.
 */
export async function chat(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  // EventSource reconnects by itself when a stream closes, even after `done`, and would ask (and pay) again.
  // Its reconnects carry Last-Event-ID; 204 is the one answer that makes it stop.
  if (request.method === "GET" && request.headers.has("last-event-id")) return new Response(null, { status: 204 });
  const config = await admitChat(request, env);
  const body = request.method === "GET" ? { message: query(request) } : await readJSON(request, chatBodyLimit(config));
  const params = chatParams(body as ChatRequestBody, config);
  const client = modelClient(config);
  const { heartbeatMs } = readConfig(env);
  return streamResponse(request, { route: "/api/chat", format: "sse", heartbeatMs, ctx }, ({ signal, send }) =>
    streamChat(client, params, { signal, firstTokenMs: config.firstTokenMs, idleMs: config.idleMs }, send),
  );
}

function query(request: Request): string {
  const q = new URL(request.url).searchParams.get("q");
  if (!q) throw new HttpError(400, "bad_request", "q is required: /api/chat?q=your+question");
  return q;
}
