import type { IRequest } from "itty-router";
import { readConfig } from "../config";
import { HttpError } from "../http/HttpError";
import { readJSON } from "../http/readJSON";
import { admitChat, chatBodyLimit } from "../llm/admitChat";
import { chatParams, type ChatRequestBody } from "../llm/chatParams";
import { modelClient } from "../llm/modelClient";
import { streamChat } from "../llm/streamChat";
import { streamResponse } from "../streams/streamResponse";
import { resumeByLastEventId, startChatStream } from "./chatStreams";

/**
 * GET /api/chat?q=… and POST /api/chat ({"messages": […]} or {"message": "…"}): the model's answer as it is written,
 * one SSE event per text delta (JSON Lines on request), ending with `done` (finish reason, usage) or `error`.
 * With `resume=1` the answer is recorded by a Durable Object and outlives the connection (chatStreams.ts).
 */
export async function chat(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  // EventSource reconnects by itself, even after `done`; what it gets depends on its Last-Event-ID.
  if (request.method === "GET" && request.headers.has("last-event-id")) return resumeByLastEventId(request, env);
  const config = await admitChat(request, env);
  const body = request.method === "GET" ? { message: query(request) } : await readJSON(request, chatBodyLimit(config));
  const params = chatParams(body as ChatRequestBody, config);
  if (wantsResume(request, body)) return startChatStream(request, env, params, config);
  const client = modelClient(config);
  const { heartbeatMs } = readConfig(env);
  return streamResponse(request, { route: "/api/chat", format: "sse", heartbeatMs, ctx }, ({ signal, send }) =>
    streamChat(client, params, { signal, firstTokenMs: config.firstTokenMs, idleMs: config.idleMs }, send),
  );
}

/** `?resume=1` (or `true`) on the URL, or `"resume": true` in the POST body. */
function wantsResume(request: Request, body: unknown): boolean {
  const flag = new URL(request.url).searchParams.get("resume");
  return flag === "1" || flag === "true" || (body as { resume?: unknown }).resume === true;
}

function query(request: Request): string {
  const q = new URL(request.url).searchParams.get("q");
  if (!q) throw new HttpError(400, "bad_request", "q is required: /api/chat?q=your+question");
  return q;
}
