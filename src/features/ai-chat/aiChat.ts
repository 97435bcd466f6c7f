import type { IRequest } from "itty-router";
import { CHAT_ID, uiChatRequest } from "./uiChatRequest";
import { uiMessageFraming } from "./uiMessageFraming";
import { durableUIChat, type UIChatInput } from "./uiChatProducer";
import { readJSON } from "../../http/readJSON";
import { requireToken } from "../../http/requireToken";
import { admitChat, chatBodyLimit } from "../../model/admitChat";
import { chatParams } from "../../model/chatParams";
import { settings } from "../../settings";
import { durable } from "../../durable/streams";
import { durableResponse, readAt, readRunning } from "../../streams/durable/durableResponse";
import type { ReadAt } from "../../streams/durable/DurableStream";
import { HttpError } from "../../streams/HttpError";

// A chat's answers run as the durable stream under this id: one at a time, each replacing the last.
const streamIdOf = (chatId: string) => `ai-chat:${chatId}`;
const location = (chatId: string) => `/api/ai/chat/${chatId}/stream`;

/**
 * The AI SDK's chat backend: `useChat` (with `DefaultChatTransport`'s defaults) works against these routes unchanged.
 * - `POST /api/ai/chat`: its request (`{ id, messages, trigger, messageId }`) answered as a UI message stream. The
 *   answer is a durable stream keyed by the chat id, so it outlives the connection; a new answer cancels a running one.
 * - `GET /api/ai/chat/:chatId/stream`: `resume: true`'s reconnect: the running answer from its start, then live; 204
 *   when the chat has none running.
 * - `DELETE /api/ai/chat/:chatId/stream`: stops the running answer (the model too; readers get `abort`). `stop()` in
 *   useChat only closes the connection, which a durable answer outlives by design.
 */
export async function postChat(request: IRequest, env: Env): Promise<Response> {
  const config = await admitChat(request, env);
  const { chatId, chat, messageId } = uiChatRequest(await readJSON(request, chatBodyLimit(config)));
  const input: UIChatInput = { params: chatParams(chat, config), config, messageId, status: true };
  const { streams, limits } = durable(env);
  const { heartbeatMs } = settings(env);
  const options = { route: request.route, format: uiMessageFraming, heartbeatMs, limits, producer: durableUIChat, input, location: () => location(chatId) };
  const response = await durableResponse(request, streams, { ...options, streamId: streamIdOf(chatId) });
  // Where WorkflowChatTransport reconnects: `${api}/<run id>/stream`, and a chat's answer is read by its chat id.
  response.headers.set("x-workflow-run-id", chatId);
  return response;
}

/**
 * GET /api/ai/chat/:chatId/stream: the running answer from its start, then live; 204 with none running. With
 * `?startIndex=N` (the Workflow SDK's `WorkflowChatTransport`), the answer from chunk N, running or finished (it is
 * kept DURABLE_KEEP_SECONDS), or from |N| chunks before the end for a negative N, moved back to the start of the part
 * open there; `x-workflow-stream-tail-index` says where that is (see docs/ai-chat.md).
 */
export async function resumeChat(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env);
  const chatId = checkChatId(request.params.chatId);
  const { streams } = durable(env);
  const startIndex = new URL(request.url).searchParams.get("startIndex");
  if (startIndex === null) return readRunning(streams, streamIdOf(chatId), uiMessageFraming, location(chatId));
  if (!/^-?\d{1,9}$/.test(startIndex)) throw new HttpError(400, "bad_request", "startIndex must be an integer");
  const n = Number(startIndex);
  // Chunk i is the stream's record i + 1 (the end's `finish` chunk included): starting at chunk N reads after record N.
  const position = n < 0 ? { tail: -n } : { after: n };
  try {
    return await readAt(streams, streamIdOf(chatId), position, uiMessageFraming, location(chatId), { headers: (at) => tailIndex(at, n) });
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return new Response(null, { status: 204 });
    throw error;
  }
}

/**
 * `x-workflow-stream-tail-index`: the index of the last chunk so far. WorkflowChatTransport counts its position for a
 * negative N as tail + 1 + N; when the start was moved back to a part's start, the header is lowered by as many chunks,
 * so that position is the first chunk sent and a retry resumes where the client is, not past it.
 */
function tailIndex({ after, last }: ReadAt, n: number): Record<string, string> {
  const tail = last - 1;
  return { "x-workflow-stream-tail-index": String(n < 0 ? Math.min(tail, after - 1 - n) : tail) };
}

/** DELETE /api/ai/chat/:chatId/stream: stops the running answer. */
export async function stopChat(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env);
  await durable(env).streams.getByName(streamIdOf(checkChatId(request.params.chatId))).cancel();
  // Stopping a chat with nothing running is done too: a Stop pressed twice is not an error.
  return new Response(null, { status: 204 });
}

function checkChatId(chatId: string | undefined): string {
  if (chatId === undefined || !CHAT_ID.test(chatId)) throw new HttpError(404, "chat_not_found", "no such chat");
  return chatId;
}
