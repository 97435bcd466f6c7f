// npm run bench: the chat relay under `wrangler dev`, side by side with the obvious relay (bench/peer), against a
// local OpenAI-compatible upstream that stamps each token with the time it was sent. Prints and records figures;
// fails on errors of the harness, never on timings.
import { mkdirSync, writeFileSync } from "node:fs";
import { parseSSE } from "../src/streams/parseSSE";
import { readLines } from "../src/streams/readLines";
import { startFakeOpenAI } from "../test/node/fakeOpenAI";
import { cpuSeconds, peakMiB, startDev, workerdPids } from "./processes";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 20);
const SHORT = 20; // tokens per answer in the load run
const LONG = 100; // tokens per answer in the run that separates per-token from per-stream CPU
const MEMORY_TOKENS = 2000; // tokens per answer when the upstream is in memory

/** One target a client can stream tokens from. */
interface Target {
  name: string;
  request(tokens: number, client: number): Promise<Response>;
  /** The token texts of one event, from this target's framing. */
  tokens(data: string): string[];
}

const now = () => performance.timeOrigin + performance.now();

function post(url: URL, tokens: number, client: number): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": `10.${client >> 16}.${(client >> 8) & 255}.${client & 255}` },
    body: JSON.stringify({ message: "bench", max_tokens: tokens }),
  });
}

/** Streams one answer; returns each token's latency (received minus sent), or throws on a bad stream. */
async function streamOnce(target: Target, tokens: number, client: number): Promise<number[]> {
  const response = await target.request(tokens, client);
  if (!response.ok) throw new Error(`${target.name}: HTTP ${response.status} ${await response.text()}`);
  const latencies: number[] = [];
  let ended = false;
  for await (const event of parseSSE(readLines(response.body!))) {
    const received = now();
    if (event.event === "done" || event.data === "[DONE]") ended = true;
    else if (event.event === "error") throw new Error(`${target.name}: error event ${event.data}`);
    else for (const token of target.tokens(event.data)) latencies.push(received - Number(token));
  }
  if (!ended) throw new Error(`${target.name}: the stream was cut`);
  if (latencies.length !== tokens) throw new Error(`${target.name}: ${latencies.length} of ${tokens} tokens`);
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function main() {
  const upstream = await startFakeOpenAI();
  const base = `${upstream.url}/stamp-${PACE_MS}/v1`;
  const vars = ["--var", `OPENAI_BASE_URL:${base}`, "--var", "OPENAI_API_KEY:sk-bench", "--var", "CHAT_MAX_TOKENS:1000"];
  const [ours, peer] = await Promise.all([
    startDev("edge-streams", vars),
    startDev("peer", ["-c", "bench/peer/wrangler.toml", ...vars]),
  ]);
  const sseTokens = (data: string) => [JSON.parse(data) as string];
  const targets: Record<string, Target> = {
    direct: {
      name: "direct",
      request: (tokens) =>
        fetch(`${base}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "bench", messages: [], stream: true, max_tokens: tokens }),
        }),
      tokens: (data) => {
        const content = (JSON.parse(data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content;
        return content ? [content] : [];
      },
    },
    // Both relays get the same request: a JSON POST, from one address per simulated client (the per-client rate
    // limit counts them apart; the peer has none).
    [ours.name]: { name: ours.name, request: (tokens, client) => post(new URL("/api/chat", ours.url), tokens, client), tokens: sseTokens },
    [peer.name]: { name: peer.name, request: (tokens, client) => post(peer.url, tokens, client), tokens: sseTokens },
  };
  const devs = { [ours.name]: ours, [peer.name]: peer };
  let client = 0;

  console.log(`chat relay benchmark: upstream paces tokens ${PACE_MS} ms apart; ${STREAMS} concurrent streams\n`);

  // 1. Latency each token gains through the relay, one stream at a time.
  const latency: Record<string, { p50: number; p99: number }> = {};
  for (const target of Object.values(targets)) {
    const all: number[] = [];
    for (let run = 0; run < 10; run++) all.push(...(await streamOnce(target, 50, ++client)));
    latency[target.name] = { p50: percentile(all, 50), p99: percentile(all, 99) };
  }
  const added = (name: string) => ({
    p50: round(latency[name]!.p50 - latency.direct!.p50),
    p99: round(latency[name]!.p99 - latency.direct!.p99),
  });
  console.log("latency per token at 1 stream (ms)      p50      p99");
  console.log(`  direct from the upstream          ${latency.direct!.p50.toFixed(2).padStart(8)} ${latency.direct!.p99.toFixed(2).padStart(8)}`);
  for (const name of [ours.name, peer.name]) {
    console.log(`  added by ${name.padEnd(24)} ${added(name).p50.toFixed(2).padStart(8)} ${added(name).p99.toFixed(2).padStart(8)}`);
  }

  // 2. Many streams at once, short and long answers; CPU of the relay's workerd processes around each run.
  const load: Record<string, object> = {};
  for (const name of [ours.name, peer.name]) {
    const pids = workerdPids(devs[name]!.child.pid!);
    const run = async (tokens: number) => {
      const before = cpuSeconds(pids);
      const started = now();
      const results = await Promise.allSettled(
        Array.from({ length: STREAMS }, () => streamOnce(targets[name]!, tokens, ++client)),
      );
      const wallS = (now() - started) / 1000;
      const cpuS = cpuSeconds(pids) - before;
      const failed = results.filter((r) => r.status === "rejected");
      const latencies = results.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
      if (failed.length > 0) console.log(`  ${name}: ${failed.length} failed, first: ${(failed[0] as PromiseRejectedResult).reason}`);
      return { errors: failed.length, wallS: round(wallS), tokenP99Ms: round(percentile(latencies, 99), 1), cpuS: round(cpuS, 3) };
    };
    const short = await run(SHORT);
    const long = await run(LONG);
    const perTokenMs = ((long.cpuS - short.cpuS) / (STREAMS * (LONG - SHORT))) * 1000;
    const perStreamMs = (short.cpuS * 1000 - STREAMS * SHORT * perTokenMs) / STREAMS;
    load[name] = {
      short,
      long,
      cpuPerStreamMs: round(perStreamMs),
      cpuPer1000TokensMs: round(perTokenMs * 1000, 1),
      peakMiB: round(peakMiB(pids), 0),
    };
  }

  console.log(`\n${STREAMS} concurrent streams        errors   wall s   token p99 ms   CPU ms/stream   CPU ms/1000 tokens   peak MiB`);
  for (const [name, figures] of Object.entries(load) as [string, any][]) {
    console.log(
      `  ${name.padEnd(22)} ${String(figures.short.errors + figures.long.errors).padStart(8)} ${figures.short.wallS.toFixed(2).padStart(8)} ` +
        `${figures.short.tokenP99Ms.toFixed(1).padStart(14)} ${figures.cpuPerStreamMs.toFixed(2).padStart(15)} ` +
        `${figures.cpuPer1000TokensMs.toFixed(1).padStart(20)} ${String(figures.peakMiB).padStart(10)}`,
    );
  }
  const o = load[ours.name] as any;
  const p = load[peer.name] as any;
  console.log(
    `\nours / peer: wall ${round(o.short.wallS / p.short.wallS)}×, token p99 ${round(o.short.tokenP99Ms / p.short.tokenP99Ms)}×, ` +
      `CPU per token ${round(o.cpuPer1000TokensMs / p.cpuPer1000TokensMs)}×, CPU per stream ${round(o.cpuPerStreamMs / p.cpuPerStreamMs)}×`,
  );
  console.log("(wall and token p99 from the short run; CPU is whole workerd processes, so only ratios carry over)");

  // 3. The relays alone: the upstream in memory (each token its own chunk), both in the peer's workerd. What the
  // network plumbing costs both is left out, so this is the relay code's own cost per token.
  const memory: Record<string, number> = {};
  const peerPids = workerdPids(peer.child.pid!);
  for (const name of ["peer", "ours"]) {
    const before = cpuSeconds(peerPids);
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const response = await fetch(new URL(`/memory/${name}?tokens=${MEMORY_TOKENS}`, peer.url));
          const text = await response.text();
          if (!text.includes("event: done")) throw new Error(`/memory/${name}: the stream did not finish`);
        }),
      );
    }
    memory[name] = round(((cpuSeconds(peerPids) - before) / (50 * MEMORY_TOKENS)) * 1e6, 1);
  }
  console.log(`
relay code alone (upstream in memory): CPU ms per 1000 tokens  ours ${memory.ours}  peer ${memory.peer}  (${round(memory.ours! / memory.peer!)}×)`);

  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/chat.json";
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), streams: STREAMS, paceMs: PACE_MS, latency, added: { [ours.name]: added(ours.name), [peer.name]: added(peer.name) }, load, relayAloneCpuMsPer1000Tokens: memory }, null, 2));
  console.log(`\nwritten to ${file}`);

  ours.child.kill();
  peer.child.kill();
  await upstream.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
