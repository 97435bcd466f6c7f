import type { LLMConfig } from "./modelSettings";
import { HttpError } from "../streams/HttpError";
import { offlineModel } from "./offlineModel";
import { statusError } from "./upstreamError";

/** The upstream's OpenAI-compatible API, as this Worker uses it: one authenticated request, its response or a fault. */
export interface ModelClient {
  /** `path` under the base URL (`/chat/completions`); a status that is not 2xx is thrown as the HttpError it maps to. */
  fetch(path: string, init: { method: string; body?: unknown; signal?: AbortSignal }): Promise<Response>;
}

// One client per isolate and configuration: the base URL is trimmed and the headers built once, not per request.
let cached: { key: string; client: ModelClient } | undefined;

/**
 * The client for the configured upstream; with no API key, the offline model stands in as its fetch. A plain `fetch`:
 * the `openai` SDK did this job, but a relay uses one call of it, and it was most of the bundle (docs/model-pipeline.md;
 * its types are still used). No retries: they would hold the first token back; the caller gets 429/503 with Retry-After
 * instead.
 */
export function modelClient(config: LLMConfig): ModelClient {
  const key = JSON.stringify([config.apiKey, config.baseURL, config.offlineTokenMs]);
  if (cached?.key === key) return cached.client;
  const send = config.apiKey ? (input: string, init: RequestInit) => fetch(input, init) : offlineModel(config.offlineTokenMs);
  const base = config.baseURL.replace(/\/+$/, "");
  const headers = { authorization: `Bearer ${config.apiKey ?? "offline"}`, "content-type": "application/json", accept: "application/json, text/event-stream" };
  const client: ModelClient = {
    async fetch(path, { method, body, signal }) {
      let response: Response;
      try {
        response = await send(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
      } catch {
        if (signal?.aborted) throw signal.reason;
        throw new HttpError(502, "upstream_unreachable", "the model provider could not be reached");
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw statusError(response.status, response.headers.get("retry-after"));
      }
      return response;
    },
  };
  cached = { key, client };
  return client;
}
