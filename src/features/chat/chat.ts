import type { IRequest } from "itty-router";
import { readJSON } from "../../http/readJSON";
import { requireToken } from "../../http/requireToken";
import { wantsResume } from "../../http/wantsResume";
import { admitChat, chatBodyLimit } from "../../model/admitChat";
import { chatParams, type ChatRequestBody } from "../../model/chatParams";
import { durableChat, type ChatInput } from "../../model/chatProducer";
import { durable, streamOrDurable } from "../../durable/streams";
import { HttpError } from "../../streams/HttpError";
import { resumeByLastEventId } from "../../streams/durable/durableResponse";
import { parseEventId } from "../../streams/durable/streamId";
import { sse } from "../../streams/framing";

const location = (streamId: string) => `/api/chat/${streamId}`;

/**
 * GET /api/chat?q=… and POST /api/chat ({"messages": […]} or {"message": "…"}): the model's answer as it is written,
 * one SSE event per text delta (JSON Lines on request), ending with `done` (finish reason, usage) or `error`.
 * With `resume=1` the answer is a durable stream: it outlives the connection, read again at /api/chat/<id>.
 */
export async function chat(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  // EventSource reconnects by itself, even after `done`; what it gets depends on its Last-Event-ID.
  const lastEventId = request.headers.get("last-event-id");
  if (request.method === "GET" && lastEventId !== null) {
    if (!parseEventId(lastEventId)) return new Response(null, { status: 204 });
    await requireToken(request, env);
    return resumeByLastEventId(request, durable(env).streams, location);
  }
  const config = await admitChat(request, env);
  const body = request.method === "GET" ? { message: query(request) } : await readJSON(request, chatBodyLimit(config));
  const input: ChatInput = { params: chatParams(body as ChatRequestBody, config), config };
  return streamOrDurable(request, env, ctx, wantsResume(request, body), { format: sse, producer: durableChat, input, location });
}

function query(request: Request): string {
  const q = new URL(request.url).searchParams.get("q");
  if (!q) throw new HttpError(400, "bad_request", "q is required: /api/chat?q=your+question");
  return q;
}
