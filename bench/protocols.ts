// npm run bench (its protocols part): every protocol on the model pipeline against the relay it rides (/api/chat, or
// /api/chat?resume=1 for a durable protocol), the same answers from the same upstream, in one Worker under Miniflare on
// a direct socket (the rate limiter unbound, a cost production has not): CPU per token and per stream from one-token
// and 100-token answers at the same concurrency, taking turns, and the latency each delta gains at one stream against
// reading the upstream itself.
import { mkdirSync, writeFileSync } from "node:fs";
import { startFakeOpenAI } from "../test/node/fakeOpenAI";
import { mean, openaiTokens, openMcpSession, percentile, streamOnce, type Target } from "./load";
import { startMiniflare } from "./miniflare";
import { cpuSeconds, workerdPids } from "./processes";

const STREAMS = Number(process.env.BENCH_PROTOCOL_STREAMS ?? 200);
const SHORT = 1; // one-token answers: what a stream costs beyond its tokens
const LONG = 100;
const PACE_MS = 5; // the upstream's pace in the CPU runs: fast, so the run is CPU and not waiting
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const json = (data: string) => JSON.parse(data) as Record<string, unknown>;

/** Each protocol: the request for `tokens` tokens, and the stamps (token texts) in its events. */
interface Protocol {
  name: string;
  path: string;
  body: (tokens: number, id: number) => object;
  tokens: Target["tokens"];
  ends?: Target["ends"];
  /** Headers a request needs beyond JSON's, given the Worker (MCP's session). */
  headers?: (base: URL, id: number) => Promise<Record<string, string>>;
  /** Runs as a durable stream (a Durable Object per answer): compared with the plain relay made durable. */
  durable?: boolean;
}

// MCP clients open a session once and call tools in it: the chat tool's calls share 16 sessions, opened on first use.
const mcpSessions = new Map<string, Promise<Record<string, string>>>();
function mcpSession(base: URL, id: number): Promise<Record<string, string>> {
  const key = `${base.href} ${id % 16}`;
  let session = mcpSessions.get(key);
  if (!session) mcpSessions.set(key, (session = openMcpSession(base)));
  return session;
}

const PROTOCOLS: Protocol[] = [
  { name: "/api/chat (the plain relay)", path: "/api/chat", body: (n) => ({ message: "bench", max_tokens: n }), tokens: (data, event) => (event === "message" ? [JSON.parse(data) as string] : []) },
  {
    name: "/api/chat?resume=1 (the relay, durable)",
    path: "/api/chat?resume=1",
    body: (n) => ({ message: "bench", max_tokens: n }),
    tokens: (data, event) => (event === "message" ? [JSON.parse(data) as string] : []),
    durable: true,
  },
  { name: "/v1/chat/completions", path: "/v1/chat/completions", body: (n) => ({ model: "gpt-4o-mini", messages: [{ role: "user", content: "bench" }], stream: true, max_tokens: n }), tokens: openaiTokens },
  {
    name: "/v1/responses",
    path: "/v1/responses",
    body: (n) => ({ model: "gpt-4o-mini", input: "bench", stream: true, max_output_tokens: n }),
    tokens: (data, event) => (event === "response.output_text.delta" ? [json(data).delta as string] : []),
  },
  {
    name: "/v1/messages",
    path: "/v1/messages",
    body: (n) => ({ model: "claude-sonnet-4-5", max_tokens: n, stream: true, messages: [{ role: "user", content: "bench" }] }),
    tokens: (data, event) => (event === "content_block_delta" ? [(json(data).delta as { text: string }).text] : []),
  },
  {
    name: "/api/ai/chat (durable)",
    path: "/api/ai/chat",
    body: (n, id) => ({ id: `bench-chat-${id}-abcdefghijklmnop`, messages: [{ id: "u", role: "user", parts: [{ type: "text", text: "bench" }] }], max_tokens: n }),
    tokens: (data) => (data !== "[DONE]" && json(data).type === "text-delta" ? [json(data).delta as string] : []),
    durable: true,
  },
  {
    // Each progress notification repeats the answer so far: its last stamp is the token it brings.
    name: "/mcp chat tool (durable)",
    path: "/mcp",
    body: (n, id) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "chat", arguments: { prompt: "bench", maxTokens: n }, _meta: { progressToken: id } } }),
    tokens: (data) => {
      const message = data ? ((json(data).params as { message?: string } | undefined)?.message ?? "") : "";
      return message ? [message.trimEnd().split(" ").at(-1)!] : [];
    },
    ends: (data) => data.includes('"result"'),
    headers: (base, id) => mcpSession(base, id),
    durable: true,
  },
];

function target(base: URL, protocol: Protocol): Target {
  return {
    name: protocol.name,
    request: async (tokens, id) =>
      fetch(new URL(protocol.path, base), {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": `10.${id >> 16}.${(id >> 8) & 255}.${id & 255}`, ...(await protocol.headers?.(base, id)) },
        body: JSON.stringify(protocol.body(tokens, id)),
      }),
    tokens: protocol.tokens,
    ends: protocol.ends,
  };
}

async function main() {
  const upstream = await startFakeOpenAI();
  let client = 0;
  console.log(`protocols on the model pipeline: ${STREAMS} concurrent answers of ${SHORT} and ${LONG} tokens, Miniflare, direct socket\n`);

  // CPU: each protocol's short and long runs, the protocols in turn, then in reverse (twice); per token from the
  // difference of the runs, per stream what is left of the short run.
  const cpuWorker = await startMiniflare("protocols", "wrangler.toml", { OPENAI_BASE_URL: `${upstream.url}/stamp-${PACE_MS}/v1`, OPENAI_API_KEY: "sk-bench", CHAT_MAX_TOKENS: "1000" }, { withoutRateLimit: true, quiet: true });
  const pids = workerdPids(process.pid);
  const run = async (t: Target, tokens: number) => {
    const before = cpuSeconds(pids);
    const results = await Promise.allSettled(Array.from({ length: STREAMS }, () => streamOnce(t, tokens, ++client)));
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length > 0) throw new Error(`${t.name}: ${failed.length} failed, first: ${(failed[0] as PromiseRejectedResult).reason}`);
    return cpuSeconds(pids) - before;
  };
  const targets = PROTOCOLS.map((p) => target(cpuWorker.direct, p));
  for (const t of targets) await run(t, SHORT); // warm-up: every path compiled before the first measured turn
  const turns: Record<string, { perToken: number; perStream: number }[]> = {};
  for (const t of [...targets, ...[...targets].reverse(), ...targets, ...[...targets].reverse()]) {
    const short = await run(t, SHORT);
    const long = await run(t, LONG);
    const perToken = (long - short) / (STREAMS * (LONG - SHORT));
    (turns[t.name] ??= []).push({ perToken, perStream: (short - STREAMS * SHORT * perToken) / STREAMS });
  }
  await cpuWorker.dispose();
  // Each protocol against the relay it rides: the plain relay, or the plain relay made durable for a durable protocol
  // (what a durable stream costs is the durable core's, bench/resume.ts; what is measured here is the protocol's).
  const [plain, durableRelay] = [PROTOCOLS[0]!.name, PROTOCOLS[1]!.name];
  const cpu = Object.fromEntries(
    Object.entries(turns).map(([name, t]) => [name, { perTokenUs: round(mean(t.map((x) => x.perToken)) * 1e6, 1), perStreamMs: round(mean(t.map((x) => x.perStream)) * 1e3), turnsUs: t.map((x) => round(x.perToken * 1e6, 1)), turnsMs: t.map((x) => round(x.perStream * 1e3)) }]),
  );
  // The goal is the protocols'; the durable relay's own ratio to the plain one is what a durable stream costs.
  const goal = (ratio: number, name: string) => `${ratio.toFixed(2)}${ratio <= 1.2 || name === durableRelay ? "" : " (> 1.2)"}`;
  console.log(`CPU (each turn: per token; per stream)          µs/token   × relay   ms/stream   × relay   (relay: the plain relay, or it made durable; goal ≤ 1.2)`);
  for (const [name, c] of Object.entries(cpu)) {
    const base = cpu[PROTOCOLS.find((p) => p.name === name)!.durable && name !== durableRelay ? durableRelay : plain]!;
    console.log(`  ${name.padEnd(44)} ${c.perTokenUs.toFixed(1).padStart(9)} ${goal(round(c.perTokenUs / base.perTokenUs), name).padStart(9)} ${c.perStreamMs.toFixed(2).padStart(11)} ${goal(round(c.perStreamMs / base.perStreamMs), name).padStart(9)}   (${c.turnsUs.join(", ")}; ${c.turnsMs.join(", ")})`);
  }

  // Latency: one stream at a time, 10 answers of 50 tokens 20 ms apart, each token's arrival minus its stamp, against
  // the upstream read directly.
  const latencyWorker = await startMiniflare("latency", "wrangler.toml", { OPENAI_BASE_URL: `${upstream.url}/stamp-20/v1`, OPENAI_API_KEY: "sk-bench", CHAT_MAX_TOKENS: "1000" }, { withoutRateLimit: true, quiet: true });
  const direct: Target = {
    name: "direct",
    request: (tokens) => fetch(`${upstream.url}/stamp-20/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "bench", messages: [], stream: true, max_tokens: tokens }) }),
    tokens: openaiTokens,
  };
  const latency: Record<string, { p50: number; p99: number }> = {};
  for (const t of [direct, ...PROTOCOLS.map((p) => target(latencyWorker.direct, p))]) {
    const all: number[] = [];
    for (let i = 0; i < 10; i++) all.push(...(await streamOnce(t, 50, ++client)));
    latency[t.name] = { p50: round(percentile(all, 50)), p99: round(percentile(all, 99)) };
  }
  await latencyWorker.dispose();
  console.log(`\nlatency a delta gains at 1 stream, over reading the upstream (p50 ${latency.direct!.p50} / p99 ${latency.direct!.p99} ms)`);
  const added = Object.fromEntries(Object.entries(latency).filter(([n]) => n !== "direct").map(([n, l]) => [n, { p50: round(l.p50 - latency.direct!.p50), p99: round(l.p99 - latency.direct!.p99) }]));
  for (const [name, a] of Object.entries(added)) console.log(`  ${name.padEnd(44)} p50 ${a.p50.toFixed(2).padStart(6)} ms   p99 ${a.p99.toFixed(2).padStart(6)} ms`);

  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/protocols.json", JSON.stringify({ at: new Date().toISOString(), streams: STREAMS, cpu, latency, added }, null, 2));
  console.log("\nwritten to bench/results/protocols.json");
  await upstream.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
