import { route, type Feature } from "../../app/Feature";
import { countTokens, createMessage } from "./messages";
import { messagesFraming } from "./messagesFraming";
import { durableMessages } from "./messagesProducer";

/** Anthropic's Messages API: the Anthropic SDK and Claude Code, translated over the model pipeline or relayed. */
export default {
  name: "anthropic",
  routes: [route("POST", "/v1/messages", createMessage), route("POST", "/v1/messages/count_tokens", countTokens)],
  producers: [durableMessages],
  framings: [messagesFraming],
} satisfies Feature;
