import OpenAI from "openai";
import { workerFetch } from "./callWorker";

/** The official SDK, pointed at the Worker: its requests go to the Worker's fetch handler with these vars. */
export function workerSDK(vars: Partial<Env>, apiKey = "anything"): OpenAI {
  return new OpenAI({ apiKey, baseURL: "http://worker/v1", maxRetries: 0, fetch: workerFetch(vars) });
}
