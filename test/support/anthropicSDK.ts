import Anthropic from "@anthropic-ai/sdk";
import { callWorker } from "./callWorker";

/** The Anthropic SDK, pointed at the Worker: its requests go to the Worker's fetch handler with these vars. */
export function anthropicSDK(vars: Partial<Env>, apiKey = "anything"): Anthropic {
  return new Anthropic({
    apiKey,
    baseURL: "http://worker",
    maxRetries: 0,
    fetch: (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      return callWorker(url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body, signal: request.signal }, vars);
    },
  });
}
