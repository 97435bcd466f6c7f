import OpenAI from "openai";
import { callWorker } from "./callWorker";

/** The official SDK, pointed at the Worker: its requests go to the Worker's fetch handler with these vars. */
export function workerSDK(vars: Partial<Env>, apiKey = "anything"): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: "http://worker/v1",
    maxRetries: 0,
    fetch: (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      return callWorker(url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body }, vars);
    },
  });
}
