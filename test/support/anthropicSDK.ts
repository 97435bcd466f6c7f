import Anthropic from "@anthropic-ai/sdk";
import { workerFetch } from "./callWorker";

/** The Anthropic SDK, pointed at the Worker: its requests go to the Worker's fetch handler with these vars. */
export function anthropicSDK(vars: Partial<Env>, apiKey = "anything"): Anthropic {
  return new Anthropic({ apiKey, baseURL: "http://worker", maxRetries: 0, fetch: workerFetch(vars) });
}
