import { route, type Feature } from "../../app/Feature";
import { cancelResponse, createResponse, deleteResponse, retrieveResponse } from "./responses";
import { responsesFraming } from "./responsesFraming";
import { durableResponses } from "./responsesProducer";

/** OpenAI's Responses API: streamed, background and stored responses (durable), or relayed to a native upstream. */
export default {
  name: "responses",
  routes: [
    route("POST", "/v1/responses", createResponse),
    route("GET", "/v1/responses/:id", retrieveResponse),
    route("POST", "/v1/responses/:id/cancel", cancelResponse),
    route("DELETE", "/v1/responses/:id", deleteResponse),
  ],
  producers: [durableResponses],
  framings: [responsesFraming],
} satisfies Feature;
