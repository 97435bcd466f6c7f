import type { IRequest } from "itty-router";
import { readConfig } from "../config";
import { HttpError } from "../http/HttpError";
import { intParam } from "../http/intParam";
import { requireToken } from "../http/requireToken";
import { readLLMConfig, type LLMConfig } from "../llm/llmConfig";
import type { ChatParams } from "../llm/streamChat";
import { readResumeConfig } from "../resume/resumeConfig";
import { checkStreamId, newStreamId, parseEventId, streamNotFound } from "../resume/streamId";
import { negotiate } from "../streams/negotiate";

/**
 * Starts a resumable answer (`/api/chat?resume=1`): a ChatStream Durable Object asks the model and records every
 * event; this request is its first reader. Errors before the first token are still statuses, as for a plain stream.
 */
export async function startChatStream(request: Request, env: Env, params: ChatParams, config: LLMConfig): Promise<Response> {
  requireSSE(request);
  const streamId = newStreamId();
  const job = { streamId, params, config, resume: readResumeConfig(env), heartbeatMs: readConfig(env).heartbeatMs };
  const started = await env.CHAT_STREAMS.getByName(streamId).start(job);
  if (!started.ok) throw new HttpError(started.status, started.code, started.message, started.headers);
  return relay(env, streamId, 0);
}

/** GET /api/chat/:streamId?after=<seq>: the events after `seq` (or after `Last-Event-ID`), then the live ones. */
export async function readChatStream(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, readLLMConfig(env).apiToken, env.CHAT_LIMITER);
  requireSSE(request);
  const streamId = checkStreamId(request.params.streamId);
  const lastEventId = request.headers.get("last-event-id");
  if (lastEventId === null) {
    return relay(env, streamId, intParam(new URL(request.url), "after", { min: 0, max: 999_999_999, fallback: 0 }));
  }
  // EventSource sends the id of the last event it saw; it wins over `after`, which is its original URL.
  const resumeAt = parseEventId(lastEventId);
  if (resumeAt?.streamId !== streamId) throw new HttpError(400, "bad_request", "Last-Event-ID is not an event of this stream");
  return relay(env, streamId, resumeAt.seq);
}

/** DELETE /api/chat/:streamId: stops the model, tells the readers (`error`, code `cancelled`), deletes the record. */
export async function cancelChatStream(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, readLLMConfig(env).apiToken, env.CHAT_LIMITER);
  const streamId = checkStreamId(request.params.streamId);
  if (!(await env.CHAT_STREAMS.getByName(streamId).cancel())) throw streamNotFound();
  return new Response(null, { status: 204 });
}

/**
 * A GET /api/chat reconnect (EventSource does it by itself, with Last-Event-ID): a resumable stream's id resumes it;
 * any other id gets 204, the one answer that stops EventSource from asking, and paying, again.
 */
export async function resumeByLastEventId(request: Request, env: Env): Promise<Response> {
  const resumeAt = parseEventId(request.headers.get("last-event-id")!);
  if (!resumeAt) return new Response(null, { status: 204 });
  await requireToken(request, readLLMConfig(env).apiToken, env.CHAT_LIMITER);
  return relay(env, resumeAt.streamId, resumeAt.seq);
}

/** Passes the Durable Object's reader stream on, natively, with the headers a client resumes by. */
async function relay(env: Env, streamId: string, after: number): Promise<Response> {
  const response = await env.CHAT_STREAMS.getByName(streamId).fetch(`https://chat-stream/?after=${after}`);
  if (response.status === 404) throw streamNotFound();
  if (response.status === 416) throw new HttpError(400, "bad_request", "no event of this stream has that number yet");
  const headers = new Headers({ "stream-id": streamId, "content-location": `/api/chat/${streamId}` });
  if (response.status === 204) return new Response(null, { status: 204, headers });
  headers.set("content-type", "text/event-stream");
  headers.set("cache-control", "no-cache, no-transform");
  // As for every stream here: wrangler dev would otherwise gzip it and deliver it at the end.
  headers.set("content-encoding", "identity");
  return new Response(response.body, { headers });
}

/** Resumable streams are SSE: event ids are how a reader says where it stopped. */
function requireSSE(request: Request): void {
  if (negotiate(request.headers.get("accept"), "sse").format !== "sse") {
    throw new HttpError(406, "not_acceptable", "resumable chat streams are text/event-stream only");
  }
}
