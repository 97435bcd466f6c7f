import { AutoRouter } from "itty-router";
import { durableUIChat } from "./aiChat/uiChatProducer";
import { uiMessageFraming } from "./aiChat/uiMessageFraming";
import { preflight, withCors } from "./http/cors";
import { errorResponse } from "./http/errorResponse";
import { routeNotFound } from "./http/routeNotFound";
import { withSecurityHeaders } from "./http/withSecurityHeaders";
import { durableChat } from "./llm/chatProducer";
import { cancelStream, durable, readStream } from "./resume/streams";
import { aiChat } from "./routes/aiChat";
import { chat } from "./routes/chat";
import { chunks } from "./routes/chunks";
import { chatCompletions, listModels } from "./routes/openaiGateway";
import { durableProgressive, progressive } from "./routes/progressive";
import { proxy } from "./routes/proxy";
import { responses } from "./routes/responses";
import { responsesFraming } from "./responses/responsesFraming";
import { durableResponses } from "./responses/responsesProducer";
import { ticker } from "./routes/ticker";
import { tus } from "./routes/tus";
import { download, removeUpload, upload } from "./routes/upload";
import { DurableStream, producersOf } from "./streams/durable/DurableStream";
import type { Framing } from "./streams/framing";

const ai = aiChat(durable);
const api = responses(durable);
const router = AutoRouter({ before: [preflight], catch: errorResponse, finally: [withSecurityHeaders, withCors] });

router
  // Streams that run with no network and no secrets; ?resume=1 makes a progressive response durable
  .get("/api/ticker", ticker)
  .get("/api/chunks", chunks)
  .get("/api/progressive", progressive(durable))

  // The model: chat over SSE or JSON Lines (durable with ?resume=1), and an OpenAI-compatible gateway, chat
  // completions and the Responses API (background responses durable; bearer auth and rate limit when configured)
  .get("/api/chat", chat(durable))
  .post("/api/chat", chat(durable))
  .post("/v1/chat/completions", chatCompletions)
  .get("/v1/models", listModels)
  .post("/v1/responses", api.create)
  .get("/v1/responses/:id", api.retrieve)
  .post("/v1/responses/:id/cancel", api.cancel)
  .delete("/v1/responses/:id", api.remove)

  // The AI SDK's useChat backend: UI message streams, durable per chat, resumed and stopped by chat id
  .post("/api/ai/chat", ai.post)
  .get("/api/ai/chat/:chatId/stream", ai.resume)
  .delete("/api/ai/chat/:chatId/stream", ai.stop)

  // Durable streams: read from a position and follow live, or cancel (chat's own URLs, and the general ones)
  .get("/api/chat/:streamId", readStream)
  .delete("/api/chat/:streamId", cancelStream)
  .get("/api/streams/:streamId", readStream)
  .delete("/api/streams/:streamId", cancelStream)

  // The streaming proxy: allow-listed origins only, the body passed through natively
  .get("/proxy/:name/*", proxy)
  .head("/proxy/:name/*", proxy)

  // Uploads: the body consumed as a stream, counted, hashed, stored in R2
  .post("/api/upload", upload)
  .put("/api/upload", upload)
  .get("/api/upload/:key", download)
  .head("/api/upload/:key", download)
  .delete("/api/upload/:key", removeUpload)

  // tus uploads: past the request cap, resumable; each upload its own Durable Object, R2 multipart underneath
  .options("/api/files/", tus.options)
  .post("/api/files/", tus.create)
  .head("/api/files/:key", tus.resource)
  .patch("/api/files/:key", tus.resource)
  .delete("/api/files/:key", tus.resource)

  // Everything else: 405 with Allow for a known path, else 404
  .all("*", routeNotFound(router.routes));

export default { fetch: router.fetch } satisfies ExportedHandler<Env>;

export { TusUpload } from "./tus/TusUpload";

/** The Durable Object behind durable streams (wrangler.toml binds it as STREAMS), with the producers it may run. */
export class StreamObject extends DurableStream<Env> {
  producers = producersOf(durableChat, durableProgressive, durableUIChat, durableResponses);

  // Protocols' own framings beside SSE and JSON Lines: a stream is read back in the one it was made in.
  override framings(streamId: string): Framing[] {
    return [...super.framings(streamId), uiMessageFraming, responsesFraming];
  }
}
