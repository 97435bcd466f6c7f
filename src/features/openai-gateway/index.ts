import { route, type Feature } from "../../app/Feature";
import { chatCompletions, listModels } from "./openaiGateway";

/** OpenAI's /v1/chat/completions and /v1/models: any OpenAI SDK can use this Worker as its base URL. */
export default {
  name: "openai-gateway",
  routes: [route("POST", "/v1/chat/completions", chatCompletions), route("GET", "/v1/models", listModels)],
} satisfies Feature;
