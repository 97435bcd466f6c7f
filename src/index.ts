import { AutoRouter } from "itty-router";
import { preflight, withCors } from "./http/cors";
import { errorResponse } from "./http/errorResponse";
import { routeNotFound } from "./http/routeNotFound";
import { withSecurityHeaders } from "./http/withSecurityHeaders";
import { chat } from "./routes/chat";
import { cancelChatStream, readChatStream } from "./routes/chatStreams";
import { chunks } from "./routes/chunks";
import { chatCompletions, listModels } from "./routes/openaiGateway";
import { progressive } from "./routes/progressive";
import { proxy } from "./routes/proxy";
import { ticker } from "./routes/ticker";
import { download, upload } from "./routes/upload";

const router = AutoRouter({ before: [preflight], catch: errorResponse, finally: [withSecurityHeaders, withCors] });

router
  // Streams that run with no network and no secrets
  .get("/api/ticker", ticker)
  .get("/api/chunks", chunks)
  .get("/api/progressive", progressive)

  // The model: chat over SSE (resumable with ?resume=1), and an OpenAI-compatible gateway (bearer auth and rate limit when configured)
  .get("/api/chat", chat)
  .post("/api/chat", chat)
  .get("/api/chat/:streamId", readChatStream)
  .delete("/api/chat/:streamId", cancelChatStream)
  .post("/v1/chat/completions", chatCompletions)
  .get("/v1/models", listModels)

  // The streaming proxy: allow-listed origins only, the body passed through natively
  .get("/proxy/:name/*", proxy)
  .head("/proxy/:name/*", proxy)

  // Uploads: the body consumed as a stream, counted, hashed, stored in R2
  .post("/api/upload", upload)
  .put("/api/upload", upload)
  .get("/api/upload/:key", download)
  .head("/api/upload/:key", download)

  // Everything else: 405 with Allow for a known path, else 404
  .all("*", routeNotFound(router.routes));

export default { fetch: router.fetch } satisfies ExportedHandler<Env>;

// The Durable Object behind resumable chat streams; wrangler.toml binds it as CHAT_STREAMS.
export { ChatStream } from "./resume/ChatStream";
