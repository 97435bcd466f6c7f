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
import { durableResponse, readRunning } from "../../streams/durable/durableResponse";
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
  return durableResponse(request, streams, { ...options, streamId: streamIdOf(chatId) });
}

/** GET /api/ai/chat/:chatId/stream: the running answer from its start, then live; 204 with none running. */
export async function resumeChat(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env);
  const chatId = checkChatId(request.params.chatId);
  return readRunning(durable(env).streams, streamIdOf(chatId), uiMessageFraming, location(chatId));
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
