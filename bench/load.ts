// What a benchmark client does: streams answers from a target and times each token against the stamp the upstream
// put in it (the time it was sent).
import { parseSSE } from "../src/streams/parseSSE";
import { readLines } from "../src/streams/readLines";

/** One target a client can stream tokens from. */
export interface Target {
  name: string;
  /** With `tool`, the answer is a tool call and its argument fragments are the tokens. */
  request(tokens: number, client: number, tool?: boolean): Promise<Response>;
  /** The token texts (stamps) of one event, from this target's framing. */
  tokens(data: string, event: string): string[];
  /** Whether an event ends the answer, for a protocol whose end is not one of the event names below (MCP's response). */
  ends?(data: string, event: string): boolean;
}

export const TOOLS = [{ type: "function", function: { name: "bench", parameters: { type: "object" } } }];

export const now = () => performance.timeOrigin + performance.now();

export function post(url: URL, tokens: number, client: number, tool = false): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": `10.${client >> 16}.${(client >> 8) & 255}.${client & 255}` },
    body: JSON.stringify({ message: "bench", max_tokens: tokens, ...(tool ? { tools: TOOLS } : {}) }),
  });
}

/**
 * Streams one answer; returns each token's latency (received minus sent), or throws on a bad stream. `seen`, if given,
 * is told each token's arrival time and latency as it comes.
 */
export async function streamOnce(target: Target, tokens: number, client: number, tool = false, seen?: (receivedAt: number, latency: number) => void): Promise<number[]> {
  const response = await target.request(tokens, client, tool);
  if (!response.ok) throw new Error(`${target.name}: HTTP ${response.status} ${await response.text()}`);
  const latencies: number[] = [];
  let ended = false;
  for await (const event of parseSSE(readLines(response.body!))) {
    const received = now();
    if (event.event === "done" || event.data === "[DONE]" || event.event === "response.completed" || event.event === "message_stop" || target.ends?.(event.data, event.event)) ended = true;
    else if (event.event === "error") throw new Error(`${target.name}: error event ${event.data}`);
    else for (const token of target.tokens(event.data, event.event)) {
      latencies.push(received - Number(token));
      seen?.(received, received - Number(token));
    }
  }
  if (!ended) throw new Error(`${target.name}: the stream was cut`);
  if (latencies.length !== tokens) throw new Error(`${target.name}: ${latencies.length} of ${tokens} tokens`);
  return latencies;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** /api/chat's SSE: text deltas are default events; a tool call's fragments are tool-call-delta events (its start and end carry no stamp). */
export const sseTokens = (data: string, event: string): string[] =>
  event === "message" ? [JSON.parse(data) as string] : event === "tool-call-delta" ? [(JSON.parse(data) as { arguments: string }).arguments] : [];

/** The OpenAI chunks' SSE (the upstream itself, or passed through): a delta's text or tool-call fragment. */
export function openaiTokens(data: string): string[] {
  type Delta = { content?: string; tool_calls?: { function: { arguments?: string } }[] };
  const delta = (JSON.parse(data) as { choices: { delta: Delta }[] }).choices[0]?.delta;
  const token = delta?.content || delta?.tool_calls?.[0]?.function.arguments;
  return token ? [token] : [];
}

/**
 * Measures each name in order, then in reverse (A B B A), `rounds` times: whole-process CPU drifts within a run (±30%
 * here between runs of one target), and so each name gets the same drift. Returns each name's measurements.
 */
export async function takeTurns<T>(names: readonly string[], measure: (name: string) => Promise<T>, rounds = 1): Promise<Record<string, T[]>> {
  const turns: Record<string, T[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of [...names, ...[...names].reverse()]) (turns[name] ??= []).push(await measure(name));
  }
  return turns;
}

export const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Opens an MCP session on the Worker at `base` (an initialize): the headers its requests then carry. */
export async function openMcpSession(base: URL): Promise<Record<string, string>> {
  const accept = "application/json, text/event-stream";
  const initialize = { jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } } };
  const response = await fetch(new URL("/mcp", base), { method: "POST", headers: { "content-type": "application/json", accept }, body: JSON.stringify(initialize) });
  await response.arrayBuffer();
  return { accept, "mcp-session-id": response.headers.get("mcp-session-id")! };
}
