import type { LLMConfig } from "./modelSettings";
import { HttpError } from "../streams/HttpError";
import { offlineModel } from "./offlineModel";
import { statusError } from "./upstreamError";

/** An upstream's OpenAI-compatible API, as this Worker uses it: one authenticated request, its response or a fault. */
export interface ModelClient {
  /** Names the upstream in the stream-end log line and the usage data point: its host, or `offline`. */
  readonly name: string;
  /** `path` under the base URL (`/chat/completions`); a status that is not 2xx is thrown as the HttpError it maps to. */
  fetch(path: string, init: { method: string; body?: unknown; signal?: AbortSignal }): Promise<Response>;
}

/** An upstream to try, and the model to ask it for when it is not the caller's (a fallback's own `model`). */
export interface ModelUpstream {
  client: ModelClient;
  model?: string;
}

// Clients per isolate and configuration: the base URL is trimmed and the headers built once, not per request.
const cached = new Map<string, ModelClient>();

/**
 * The client for the primary upstream (OPENAI_BASE_URL); with no API key, the offline model stands in as its fetch.
 * A plain `fetch`: the `openai` SDK did this job, but a relay uses one call of it, and it was most of the bundle
 * (docs/model-pipeline.md; its types are still used). No retries of the same upstream: they would hold the first token
 * back; MODEL_FALLBACKS names other upstreams to try instead (`modelUpstreams`), and the caller gets 429/503 with
 * Retry-After when none answers.
 */
export function modelClient(config: LLMConfig): ModelClient {
  return client(config.baseURL, config.apiKey, config.apiKey ? undefined : config.offlineTokenMs);
}

/** The upstreams an answer may come from, in the order they are tried: the primary, then MODEL_FALLBACKS. */
export function modelUpstreams(config: LLMConfig): ModelUpstream[] {
  const upstreams: ModelUpstream[] = [{ client: modelClient(config) }];
  // A fallback is never the offline model: one with no key is sent without one.
  for (const fallback of config.fallbacks) upstreams.push({ client: client(fallback.baseURL, fallback.apiKey), model: fallback.model });
  return upstreams;
}

function client(baseURL: string, apiKey: string | undefined, offlineTokenMs?: number): ModelClient {
  const key = JSON.stringify([baseURL, apiKey, offlineTokenMs]);
  const found = cached.get(key);
  if (found) return found;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const made = offlineTokenMs === undefined ? upstreamClient(baseURL, headers) : upstreamClient(baseURL, headers, offlineModel(offlineTokenMs), "offline");
  // Settings change rarely within an isolate; tests make many. A handful is all a configuration needs.
  if (cached.size >= 32) cached.clear();
  cached.set(key, made);
  return made;
}

/**
 * A client of any upstream (an OpenAI-compatible one here, an Anthropic one in its feature): `headers` on every
 * request, the key among them; a failure to connect is `upstream_unreachable` and a status that is not 2xx the
 * HttpError it maps to (`statusError`), its body, which can quote the key, never read. Named by its host.
 */
export function upstreamClient(baseURL: string, headers: Record<string, string>, send: typeof fetch = fetch, name?: string): ModelClient {
  const base = baseURL.replace(/\/+$/, "");
  return {
    name: name ?? new URL(base).host,
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
}
