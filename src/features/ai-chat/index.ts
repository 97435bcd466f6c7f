import { route, type Feature } from "../../app/Feature";
import { postChat, resumeChat, stopChat } from "./aiChat";
import { durableUIChat } from "./uiChatProducer";
import { uiMessageFraming } from "./uiMessageFraming";

/** The AI SDK's useChat backend: UI message streams, durable per chat, resumed and stopped by chat id. */
export default {
  name: "ai-chat",
  routes: [
    route("POST", "/api/ai/chat", postChat),
    route("GET", "/api/ai/chat/:chatId/stream", resumeChat),
    route("DELETE", "/api/ai/chat/:chatId/stream", stopChat),
  ],
  producers: [durableUIChat],
  framings: [uiMessageFraming],
} satisfies Feature;
