// npm run bench: durable chat streams and the AI SDK UI stream under `wrangler dev`, next to the plain relay,
// against the local upstream that stamps each token. Resume latency: a reader drops mid-answer and reconnects with Last-Event-ID;
// the time from sending the reconnect to its first replayed event, beside what a plain stream offers instead (a new
// request: time to its first token). CPU: the same answers plain and durable (a Durable Object that writes its
// records to SQLite in batches). Prints and records figures; fails on errors of the harness, never on timings.
import { mkdirSync, writeFileSync } from "node:fs";
import { parseSSE, type ServerSentEvent } from "../src/streams/parseSSE";
import { readLines } from "../src/streams/readLines";
import { startFakeOpenAI } from "../test/node/fakeOpenAI";
import { openMcpSession } from "./load";
import { cpuSeconds, peakMiB, startDev, workerdPids } from "./processes";

const STREAMS = Number(process.env.BENCH_RESUME_STREAMS ?? 200);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 20);
const SHORT = 20;
const LONG = 100;
const RECONNECTS = Number(process.env.BENCH_RECONNECTS ?? 50);
// The same answers three ways: /api/chat plain and durable, and the AI SDK's UI message stream (always durable).
const TARGETS = [["plain", "/api/chat"], ["durable", "/api/chat?resume=1"], ["ai-chat", "/api/ai/chat"]] as const;

const now = () => performance.timeOrigin + performance.now();
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

let client = 0;
function ask(base: URL, path: string, tokens: number): Promise<Response> {
  const ip = ++client;
  // /api/ai/chat takes useChat's request: a chat id and UIMessages.
  const body = path === "/api/ai/chat"
    ? { id: `bench-chat-${ip}-${Date.now()}`, messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "bench" }] }], max_tokens: tokens }
    : { message: "bench", max_tokens: tokens };
  return fetch(new URL(path, base), {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": `10.${ip >> 16}.${(ip >> 8) & 255}.${ip & 255}` },
    body: JSON.stringify(body),
  });
}

/** The stamp a token event carries: /api/chat's default events hold it as the JSON string, the UI stream's text-delta chunks as `delta`. */
function stampOf(event: ServerSentEvent): number | undefined {
  if (event.event !== "message" || event.data === "[DONE]") return undefined;
  const value = JSON.parse(event.data) as string | { type: string; delta?: string };
  if (typeof value === "string") return Number(value);
  return value.type === "text-delta" ? Number(value.delta) : undefined;
}

/** Reads a stream to its end; `leaveAfter` events, then drops it. Throws on an error event or a cut. */
async function read(response: Response, leaveAfter = Infinity): Promise<(ServerSentEvent & { at: number })[]> {
  if (!response.ok) throw new Error(`HTTP ${response.status} ${await response.text()}`);
  const events: (ServerSentEvent & { at: number })[] = [];
  for await (const event of parseSSE(readLines(response.body!))) {
    if (event.event === "error" || event.data.startsWith('{"type":"error"')) throw new Error(`error event ${event.data}`);
    events.push({ ...event, at: now() });
    if (event.event === "done" || event.data === "[DONE]" || events.length >= leaveAfter) return events;
  }
  throw new Error("the stream was cut");
}

async function main() {
  const upstream = await startFakeOpenAI();
  const base = `${upstream.url}/stamp-${PACE_MS}/v1`;
  const dev = await startDev("edge-streams", [
    "--var", `OPENAI_BASE_URL:${base}`, "--var", "OPENAI_API_KEY:sk-bench", "--var", "CHAT_MAX_TOKENS:1000",
  ]);
  const pids = workerdPids(dev.child.pid!);
  console.log(`durable chat benchmark: upstream paces tokens ${PACE_MS} ms apart; ${STREAMS} concurrent streams\n`);

  // 1. Resume latency, one reader at a time: drop after 10 tokens of 100, stay away 200 ms (10 more are made), then
  // reconnect with Last-Event-ID.
  const resumeMs: number[] = [];
  const freshMs: number[] = [];
  const mcpMs: number[] = [];
  const mcp = await openMcpSession(dev.url);
  for (let run = 0; run < RECONNECTS; run++) {
    const first = await ask(dev.url, "/api/chat?resume=1", 100);
    const location = new URL(first.headers.get("content-location")!, dev.url);
    const seen = await read(first, 10);
    await first.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 10 * PACE_MS));
    const sent = now();
    const again = await fetch(location, { headers: { "last-event-id": seen.at(-1)!.id } });
    const rest = await read(again, 1);
    resumeMs.push(now() - sent);
    if (rest[0]!.id.split(":")[1] !== "11") throw new Error(`resumed at ${rest[0]!.id}, not at event 11`);
    await again.body?.cancel();
    await fetch(location, { method: "DELETE" });

    const started = now();
    const plain = await ask(dev.url, "/api/chat", 100);
    await read(plain, 1);
    freshMs.push(now() - started);
    await plain.body?.cancel();

    // The same drop in an MCP tools/call (the chat tool): the priming event and 10 progress notifications, then GET /mcp.
    const call = await fetch(new URL("/mcp", dev.url), {
      method: "POST",
      headers: { ...mcp, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: run, method: "tools/call", params: { name: "chat", arguments: { prompt: "bench", maxTokens: 100 }, _meta: { progressToken: run } } }),
    });
    const had = await read(call, 11);
    await call.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 10 * PACE_MS));
    const resent = now();
    const resumed = await fetch(new URL("/mcp", dev.url), { headers: { ...mcp, accept: "text/event-stream", "last-event-id": had.at(-1)!.id } });
    const next = await read(resumed, 1);
    mcpMs.push(now() - resent);
    if (next[0]!.id.split(":")[1] !== "12") throw new Error(`MCP resumed at ${next[0]!.id}, not at event 12`);
    await resumed.body?.cancel();
  }
  const resume = { p50: round(percentile(resumeMs, 50)), p99: round(percentile(resumeMs, 99)) };
  const fresh = { p50: round(percentile(freshMs, 50)), p99: round(percentile(freshMs, 99)) };
  const mcpResume = { p50: round(percentile(mcpMs, 50)), p99: round(percentile(mcpMs, 99)) };
  console.log(`reconnect to first event (ms), ${RECONNECTS} runs             p50      p99`);
  console.log(`  durable: Last-Event-ID, replay from event 11  ${resume.p50.toFixed(2).padStart(8)} ${resume.p99.toFixed(2).padStart(8)}`);
  console.log(`  MCP tools/call: GET /mcp, Last-Event-ID         ${mcpResume.p50.toFixed(2).padStart(8)} ${mcpResume.p99.toFixed(2).padStart(8)}`);
  console.log(`  plain: a new request, its first token            ${fresh.p50.toFixed(2).padStart(8)} ${fresh.p99.toFixed(2).padStart(8)}`);
  console.log(`  (the plain stream also starts the answer over: the model is asked, and paid, again)`);

  // 2. What recording adds to each token's latency, one stream at a time (tokens are stamped when sent).
  const latency: Record<string, { p50: number; p99: number }> = {};
  for (const [name, path] of TARGETS) {
    const all: number[] = [];
    for (let run = 0; run < 10; run++) {
      for (const event of await read(await ask(dev.url, path, 50))) {
        const stamp = stampOf(event);
        if (stamp !== undefined) all.push(event.at - stamp);
      }
    }
    latency[name] = { p50: round(percentile(all, 50)), p99: round(percentile(all, 99)) };
  }
  console.log(`\ntoken latency at 1 stream (ms, sent by the upstream to read here)   p50      p99`);
  for (const [name, l] of Object.entries(latency)) console.log(`  ${name.padEnd(64)} ${l.p50.toFixed(2).padStart(8)} ${l.p99.toFixed(2).padStart(8)}`);

  // 3. CPU: many answers at once, plain and durable; short and long answers separate per-stream from per-token.
  // Whole-process CPU drifts within a run (±30% here between runs of one target), so the targets take turns, in
  // order and then in reverse, and each figure is the mean of its two turns.
  const turns: Record<string, { perToken: number[]; perStream: number[]; wallS: number[]; errors: number }> = {};
  for (const [name, path] of [...TARGETS, ...[...TARGETS].reverse()]) {
    const run = async (tokens: number) => {
      const before = cpuSeconds(pids);
      const started = now();
      const results = await Promise.allSettled(Array.from({ length: STREAMS }, async () => read(await ask(dev.url, path, tokens))));
      const failed = results.filter((r) => r.status === "rejected");
      if (failed.length > 0) console.log(`  ${name}: ${failed.length} failed, first: ${(failed[0] as PromiseRejectedResult).reason}`);
      return { cpuS: cpuSeconds(pids) - before, wallS: (now() - started) / 1000, errors: failed.length };
    };
    const short = await run(SHORT);
    const long = await run(LONG);
    const perToken = (long.cpuS - short.cpuS) / (STREAMS * (LONG - SHORT));
    const turn = (turns[name] ??= { perToken: [], perStream: [], wallS: [], errors: 0 });
    turn.perToken.push(perToken);
    turn.perStream.push((short.cpuS - STREAMS * SHORT * perToken) / STREAMS);
    turn.wallS.push(short.wallS);
    turn.errors += short.errors + long.errors;
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const cpu: Record<string, { perStreamMs: number; per1000TokensMs: number; wallS: number; errors: number; turns1000TokensMs: number[] }> = {};
  for (const [name, turn] of Object.entries(turns)) {
    cpu[name] = {
      perStreamMs: round(mean(turn.perStream) * 1000),
      per1000TokensMs: round(mean(turn.perToken) * 1e6, 1),
      wallS: round(mean(turn.wallS)),
      errors: turn.errors,
      turns1000TokensMs: turn.perToken.map((t) => round(t * 1e6, 1)),
    };
  }
  console.log(`\n${STREAMS} concurrent answers   errors   wall s (${SHORT} tokens)   CPU ms/stream   CPU ms/1000 tokens (each turn)`);
  for (const [name, c] of Object.entries(cpu)) {
    console.log(
      `  ${name.padEnd(20)} ${String(c.errors).padStart(6)} ${c.wallS.toFixed(2).padStart(20)} ${c.perStreamMs.toFixed(2).padStart(15)} ` +
        `${c.per1000TokensMs.toFixed(1).padStart(20)} (${c.turns1000TokensMs.join(", ")})`,
    );
  }
  console.log(
    `\ndurable / plain: CPU per token ${round(cpu.durable!.per1000TokensMs / cpu.plain!.per1000TokensMs)}×, ` +
      `CPU per stream ${round(cpu.durable!.perStreamMs / cpu.plain!.perStreamMs)}×  (whole workerd processes; peak ${round(peakMiB(pids), 0)} MiB)`,
  );
  console.log(
    `UI message stream (durable, as useChat's resume needs) / /api/chat durable: CPU per token ` +
      `${round(cpu["ai-chat"]!.per1000TokensMs / cpu.durable!.per1000TokensMs)}×, per stream ${round(cpu["ai-chat"]!.perStreamMs / cpu.durable!.perStreamMs)}×`,
  );

  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/resume.json";
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), streams: STREAMS, paceMs: PACE_MS, resume, mcpResume, fresh, latency, cpu }, null, 2));
  console.log(`\nwritten to ${file}`);
  dev.child.kill();
  await upstream.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
