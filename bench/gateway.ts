// npm run bench (its gateway part): what the model gateway's pieces cost, measured side by side in one run.
// 1. Time to first token through a fallback (the primary refusing the connection) against a direct answer.
// 2. CPU per delta of the relay inside a ModelAnswer (fallback and usage counting) against the same relay without it,
//    the upstream in memory so only the relay's own code is measured (bench/peer/worker.ts, /memory/ours and /plain).
import { mkdirSync, writeFileSync } from "node:fs";
import { startFakeOpenAI } from "../test/node/fakeOpenAI";
import { mean, now, percentile, post, takeTurns } from "./load";
import { startMiniflare } from "./miniflare";
import { cpuSeconds, workerdPids } from "./processes";

const ANSWERS = 200; // per target and turn, 20 at a time, for time to first token
const MEMORY_ANSWERS = 600; // per target and turn, 10 at a time, of MEMORY_DELTAS each
const MEMORY_DELTAS = 200;
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** The time from sending the request to the first token's event, in ms. */
async function firstToken(url: URL, client: number): Promise<number> {
  const started = now();
  const response = await post(url, 5, client);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${await response.text()}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let at: number | undefined;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    text += decoder.decode(read.value, { stream: true });
    at ??= text.includes("\ndata: ") || text.startsWith("data: ") ? now() : undefined;
  }
  if (at === undefined || !text.includes("event: done")) throw new Error(`the answer did not finish: ${text.slice(0, 200)}`);
  return at - started;
}

async function main() {
  const upstream = await startFakeOpenAI();
  const ok = `${upstream.url}/ok-5-5/v1`;
  // The limiter left unbound on both: Miniflare emulates it with a Durable Object per call, a cost production has not.
  const options = { withoutRateLimit: true, quiet: true };
  const key = { OPENAI_API_KEY: "sk-bench" };
  const [direct, fallback, peer] = await Promise.all([
    startMiniflare("direct", "wrangler.toml", { ...key, OPENAI_BASE_URL: ok }, options),
    startMiniflare("fallback", "wrangler.toml", { ...key, OPENAI_BASE_URL: "http://127.0.0.1:1/v1", MODEL_FALLBACKS: JSON.stringify([{ baseUrl: ok }]) }, options),
    startMiniflare("peer", "bench/peer/wrangler.toml", {}, options),
  ]);
  let client = 0;

  console.log("model gateway benchmark\n");
  const urls: Record<string, URL> = { direct: new URL("/api/chat", direct.direct), "through a fallback": new URL("/api/chat", fallback.direct) };
  const ttft = await takeTurns(Object.keys(urls), async (name) => {
    const times: number[] = [];
    for (let batch = 0; batch < ANSWERS / 20; batch++) times.push(...(await Promise.all(Array.from({ length: 20 }, () => firstToken(urls[name]!, ++client)))));
    return times;
  });
  console.log(`time to first token, ${ANSWERS * 2} answers each, 20 at a time (ms)      p50      p99`);
  const ttftFigures: Record<string, { p50: number; p99: number }> = {};
  for (const [name, turns] of Object.entries(ttft)) {
    const all = turns.flat();
    ttftFigures[name] = { p50: round(percentile(all, 50)), p99: round(percentile(all, 99)) };
    console.log(`  ${name.padEnd(62)} ${ttftFigures[name]!.p50.toFixed(2).padStart(8)} ${ttftFigures[name]!.p99.toFixed(2).padStart(8)}`);
  }
  const fallbackCost = round(ttftFigures["through a fallback"]!.p50 - ttftFigures.direct!.p50);
  console.log(`  a refused primary adds ${fallbackCost} ms at p50`);

  // Only the peer's Worker runs from here on: the workerd processes under this one are its own.
  await Promise.all([direct.dispose(), fallback.dispose()]);
  const pids = workerdPids(process.pid);
  const answers = async (name: string, count: number) => {
    for (let batch = 0; batch < count / 10; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const text = await (await fetch(new URL(`/memory/${name}?tokens=${MEMORY_DELTAS}&kind=text`, peer.direct))).text();
          if (!text.includes("event: done")) throw new Error(`/memory/${name}: the stream did not finish`);
        }),
      );
    }
  };
  const names = ["plain", "ours"];
  // Warmed up first (the first turn ran 20% slower, the code not yet optimized), then twice A B B A.
  for (const name of names) await answers(name, 100);
  const cpu = await takeTurns([...names, ...names], async (name) => {
    const before = cpuSeconds(pids);
    await answers(name, MEMORY_ANSWERS);
    return ((cpuSeconds(pids) - before) / (MEMORY_ANSWERS * MEMORY_DELTAS)) * 1e6;
  });
  const [plain, ours] = [mean(cpu.plain!), mean(cpu.ours!)];
  console.log(`\nrelay code alone (upstream in memory), CPU ms per 1000 deltas, each turn`);
  console.log(`  without a ModelAnswer  ${round(plain, 1)} (${cpu.plain!.map((v) => round(v, 1)).join(", ")})`);
  console.log(`  with (fallback, usage) ${round(ours, 1)} (${cpu.ours!.map((v) => round(v, 1)).join(", ")})`);
  console.log(`  with ÷ without: ${round(ours / plain)}× (per turn ${cpu.ours!.map((v, i) => round(v / cpu.plain![i]!)).join(", ")}); goal ≤ 1.05×`);

  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/gateway.json";
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), timeToFirstTokenMs: ttftFigures, relayCpuMsPer1000Deltas: { plain, ours, turns: cpu } }, null, 2));
  console.log(`\nwritten to ${file}`);
  await Promise.all([peer.dispose(), upstream.close()]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
