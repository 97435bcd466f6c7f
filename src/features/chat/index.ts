import { route, type Feature } from "../../app/Feature";
import { cancelStream, readStream } from "../../durable/streams";
import { durableChat } from "../../model/chatProducer";
import { chat } from "./chat";

/** The model's answer over SSE or JSON Lines as it is written; durable with ?resume=1, read again at its own URL. */
export default {
  name: "chat",
  routes: [
    route("GET", "/api/chat", chat),
    route("POST", "/api/chat", chat),
    route("GET", "/api/chat/:streamId", readStream),
    route("DELETE", "/api/chat/:streamId", cancelStream),
  ],
  producers: [durableChat],
} satisfies Feature;
