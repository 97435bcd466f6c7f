import { upstreamClient, type ModelClient } from "../../model/modelClient";

/** What a native request needs to reach Anthropic: where, with which key, and the client's API version and betas. */
export interface AnthropicUpstream {
  baseURL: string;
  apiKey: string;
  version: string;
  beta?: string;
}

/**
 * A client of an Anthropic upstream, in the shape the model pipeline calls: the Worker's own key as `x-api-key`, the
 * caller's `anthropic-version` and `anthropic-beta` passed on. Its faults are the other upstreams' (529 is a 5xx).
 */
export function anthropicClient({ baseURL, apiKey, version, beta }: AnthropicUpstream): ModelClient {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": apiKey, "anthropic-version": version };
  if (beta) headers["anthropic-beta"] = beta;
  return upstreamClient(`${baseURL.replace(/\/+$/, "")}/v1`, headers);
}
