// npm run bench: the chat relay under `wrangler dev`, side by side with the obvious relay (bench/peer), against a
// local OpenAI-compatible upstream that stamps each token with the time it was sent. Prints and records figures;
// fails on errors of the harness, never on timings.
import { mkdirSync, writeFileSync } from "node:fs";
import { startFakeOpenAI } from "../test/node/fakeOpenAI";
import { mean, now, openaiTokens, percentile, post, sseTokens, streamOnce, takeTurns, TOOLS, type Target } from "./load";
import { bundleSize } from "./bundleSize";
import { measureFloor, measureLatency } from "./floor";
import { measureOpenStreams } from "./openStreams";
import { cpuSeconds, peakMiB, residentMiB, startDev, workerdPids } from "./processes";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 20);
const SHORT = 20; // tokens per answer in the load run
const LONG = 100; // tokens per answer in the run that separates per-token from per-stream CPU
const MEMORY_TOKENS = 200; // deltas per answer when the upstream is in memory (500 answers)
const TOOL_FRAGMENTS = 200; // argument fragments of the tool call in the latency run

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const goal = (figure: number, max: number) => `${round(figure)}× (goal ≤ ${max}×${figure <= max ? ", met" : ", not met"})`;

interface LoadFigures {
  errors: number;
  wallS: number;
  tokenP99Ms: number;
  cpuPerStreamMs: number;
  cpuPer1000TokensMs: number;
  turns1000TokensMs: number[];
  peakMiB: number;
  /** The peak less what the idle Worker held when it started: the two configurations bind different things. */
  peakGrowthMiB: number;
}

async function main() {
  const upstream = await startFakeOpenAI();
  const base = `${upstream.url}/stamp-${PACE_MS}/v1`;
  const vars = ["--var", `OPENAI_BASE_URL:${base}`, "--var", "OPENAI_API_KEY:sk-bench", "--var", "CHAT_MAX_TOKENS:1000"];
  const [ours, peer] = await Promise.all([
    startDev("edge-streams", vars),
    // Like with like: the peer binds the rate limiter this Worker binds (the direct-socket run below has both without too).
    startDev("peer", ["-c", "bench/peer/wrangler.limited.toml", ...vars]),
  ]);
  const targets: Record<string, Target> = {
    direct: {
      name: "direct",
      request: (tokens, _client, tool) =>
        fetch(`${base}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "bench", messages: [], stream: true, max_tokens: tokens, ...(tool ? { tools: TOOLS } : {}) }),
        }),
      tokens: openaiTokens,
    },
    // Both relays get the same request: a JSON POST, from one address per simulated client (the per-client rate
    // limit, which both bind, counts them apart).
    [ours.name]: { name: ours.name, request: (tokens, client, tool) => post(new URL("/api/chat", ours.url), tokens, client, tool), tokens: sseTokens },
    [peer.name]: { name: peer.name, request: (tokens, client, tool) => post(peer.url, tokens, client, tool), tokens: sseTokens },
  };
  const devs = { [ours.name]: ours, [peer.name]: peer };
  const idleMiB = Object.fromEntries(Object.entries(devs).map(([name, dev]) => [name, residentMiB(workerdPids(dev.child.pid!))]));
  let client = 0;

  console.log(`chat relay benchmark: upstream paces tokens ${PACE_MS} ms apart; ${STREAMS} concurrent streams\n`);

  // 0. What each Worker weighs as the edge loads it (cold start is bundle size).
  const bundle = { [ours.name]: await bundleSize(), [peer.name]: await bundleSize(["-c", "bench/peer/wrangler.toml"]) };
  const [oursBundle, peerBundle] = [bundle[ours.name]!, bundle[peer.name]!];
  console.log(
    `bundle, as wrangler deploy uploads it: ours ${oursBundle.kib} KiB (${oursBundle.gzipKiB} KiB gzipped), ` +
      `peer ${peerBundle.kib} KiB (${peerBundle.gzipKiB} KiB gzipped): ${round(oursBundle.gzipKiB / peerBundle.gzipKiB)}× gzipped\n`,
  );

  // 1. Latency each token gains through the relay, one stream at a time: text deltas (10 answers of 50), then a tool
  // call's argument fragments (3 answers of 200).
  const latency: Record<string, { p50: number; p99: number }> = {};
  for (const tool of [false, true]) {
    for (const target of Object.values(targets)) {
      const all: number[] = [];
      for (let run = 0; run < (tool ? 3 : 10); run++) all.push(...(await streamOnce(target, tool ? TOOL_FRAGMENTS : 50, ++client, tool)));
      latency[`${target.name}${tool ? " tool" : ""}`] = { p50: percentile(all, 50), p99: percentile(all, 99) };
    }
  }
  const added = (name: string, kind = "") => ({
    p50: round(latency[name + kind]!.p50 - latency[`direct${kind}`]!.p50),
    p99: round(latency[name + kind]!.p99 - latency[`direct${kind}`]!.p99),
  });
  console.log("latency per delta at 1 stream (ms)   text p50  text p99  tool p50  tool p99");
  const row = (label: string, text: { p50: number; p99: number }, tool: { p50: number; p99: number }) =>
    console.log(`  ${label.padEnd(32)} ${[text.p50, text.p99, tool.p50, tool.p99].map((v) => v.toFixed(2).padStart(9)).join("")}`);
  row("direct from the upstream", latency.direct!, latency["direct tool"]!);
  for (const name of [ours.name, peer.name]) row(`added by ${name}`, added(name), added(name, " tool"));

  // 2. Many streams at once, short and long answers; CPU of the relay's workerd processes around each run. The two
  // relays take turns (ours, peer, peer, ours) and each figure is the mean of its turns.
  const turns = await takeTurns([ours.name, peer.name], async (name) => {
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
      return { errors: failed.length, wallS, tokenP99Ms: percentile(latencies, 99), cpuS };
    };
    const short = await run(SHORT);
    const long = await run(LONG);
    const perTokenMs = ((long.cpuS - short.cpuS) / (STREAMS * (LONG - SHORT))) * 1000;
    return { short, long, perTokenMs, perStreamMs: (short.cpuS * 1000 - STREAMS * SHORT * perTokenMs) / STREAMS };
  });
  const load: Record<string, LoadFigures> = {};
  for (const [name, runs] of Object.entries(turns)) {
    load[name] = {
      errors: runs.reduce((sum, r) => sum + r.short.errors + r.long.errors, 0),
      wallS: round(mean(runs.map((r) => r.short.wallS))),
      tokenP99Ms: round(mean(runs.map((r) => r.short.tokenP99Ms)), 1),
      cpuPerStreamMs: round(mean(runs.map((r) => r.perStreamMs))),
      cpuPer1000TokensMs: round(mean(runs.map((r) => r.perTokenMs)) * 1000, 1),
      turns1000TokensMs: runs.map((r) => round(r.perTokenMs * 1000, 1)),
      peakMiB: round(peakMiB(workerdPids(devs[name]!.child.pid!)), 0),
      peakGrowthMiB: round(peakMiB(workerdPids(devs[name]!.child.pid!)) - idleMiB[name]!, 0),
    };
  }

  console.log(`\n${STREAMS} concurrent streams        errors   wall s   token p99 ms   CPU ms/stream   CPU ms/1000 tokens (each turn)   peak MiB (over idle)`);
  for (const [name, figures] of Object.entries(load)) {
    console.log(
      `  ${name.padEnd(22)} ${String(figures.errors).padStart(8)} ${figures.wallS.toFixed(2).padStart(8)} ` +
        `${figures.tokenP99Ms.toFixed(1).padStart(14)} ${figures.cpuPerStreamMs.toFixed(2).padStart(15)} ` +
        `${`${figures.cpuPer1000TokensMs.toFixed(1)} (${figures.turns1000TokensMs.join(", ")})`.padStart(32)} ${`${figures.peakMiB} (${figures.peakGrowthMiB})`.padStart(20)}`,
    );
  }
  const o = load[ours.name]!;
  const p = load[peer.name]!;
  console.log(
    `\nours / peer: wall ${round(o.wallS / p.wallS)}×, token p99 ${round(o.tokenP99Ms / p.tokenP99Ms)}×, ` +
      `CPU per token ${round(o.cpuPer1000TokensMs / p.cpuPer1000TokensMs)}×, CPU per stream ${round(o.cpuPerStreamMs / p.cpuPerStreamMs)}×`,
  );
  console.log("(wall and token p99 from the short run; CPU is whole workerd processes, so only ratios carry over)");

  // 3. The relays alone: the upstream in memory (each delta its own chunk), both in the peer's workerd. What the
  // network plumbing costs both is left out, so this is the relay code's own cost per delta: 500 answers of 200 text
  // deltas, then 500 tool calls of 200 argument fragments.
  const memory: Record<string, number> = {};
  const peerPids = workerdPids(peer.child.pid!);
  for (const kind of ["text", "tool"]) {
    for (const name of ["peer", "ours"]) {
      const before = cpuSeconds(peerPids);
      for (let batch = 0; batch < 50; batch++) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const response = await fetch(new URL(`/memory/${name}?tokens=${MEMORY_TOKENS}&kind=${kind}`, peer.url));
            const text = await response.text();
            if (!text.includes("event: done")) throw new Error(`/memory/${name}: the stream did not finish`);
          }),
        );
      }
      memory[`${name} ${kind}`] = round(((cpuSeconds(peerPids) - before) / (500 * MEMORY_TOKENS)) * 1e6, 1);
    }
  }
  console.log("\nrelay code alone (upstream in memory), CPU ms per 1000 deltas   text   tool   tool ÷ text");
  for (const name of ["ours", "peer"]) {
    const [text, tool] = [memory[`${name} text`]!, memory[`${name} tool`]!];
    console.log(`  ${name.padEnd(60)} ${text.toFixed(1).padStart(6)} ${tool.toFixed(1).padStart(6)} ${round(tool / text).toFixed(2).padStart(12)}`);
  }
  console.log(`  ours ÷ peer: text ${round(memory["ours text"]! / memory["peer text"]!)}×, tool ${round(memory["ours tool"]! / memory["peer tool"]!)}×`);

  // 4. The same load without wrangler dev's proxy Worker (bench/floor.ts). The dev processes are stopped first, so
  // the workerd processes under this process are Miniflare's alone.
  ours.child.kill();
  peer.child.kill();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const floor = await measureFloor(base, STREAMS, () => ++client);
  const devFigure = (name: string) => load[name]!.cpuPer1000TokensMs;
  console.log(`\ndirect socket (Miniflare, no dev hop), ${STREAMS} concurrent   CPU ms/1000 tokens (each turn)   CPU ms/stream (each turn)   token p99 ms (100-token run)   errors`);
  for (const [name, f] of Object.entries(floor)) {
    const perToken = `${f.cpuPer1000TokensMs.toFixed(1)} (${f.turns1000TokensMs.join(", ")})`;
    const perStream = `${f.cpuPerStreamMs.toFixed(2)} (${f.turnsPerStreamMs.join(", ")})`;
    console.log(`  ${name.padEnd(40)} ${perToken.padStart(30)} ${perStream.padStart(25)} ${f.tokenP99Ms.toFixed(1).padStart(14)} ${String(f.errors).padStart(8)}`);
  }
  const f = (name: string) => floor[name]!;
  const [passthrough, pump] = [f("native passthrough").cpuPer1000TokensMs, f("JavaScript pump").cpuPer1000TokensMs];
  console.log(
    `  ours ÷ peer, limiter unbound: per stream ${goal(f("ours").cpuPerStreamMs / f("peer").cpuPerStreamMs, 1)}, ` +
      `per token ${round(f("ours").cpuPer1000TokensMs / f("peer").cpuPer1000TokensMs)}×`,
  );
  console.log(
    `  ours ÷ peer, limiter bound on both: per stream ${goal(f("ours + limiter").cpuPerStreamMs / f("peer + limiter").cpuPerStreamMs, 1.1)}, ` +
      `per token ${round(f("ours + limiter").cpuPer1000TokensMs / f("peer + limiter").cpuPer1000TokensMs)}×`,
  );
  console.log(
    `  the limiter's local cost per stream (Miniflare's emulation): ours ${round(f("ours + limiter").cpuPerStreamMs - f("ours").cpuPerStreamMs)} ms, ` +
      `peer ${round(f("peer + limiter").cpuPerStreamMs - f("peer").cpuPerStreamMs)} ms`,
  );
  console.log(
    `  ours with a JavaScript body ÷ ours (native): per token ${round(f("ours, JavaScript body").cpuPer1000TokensMs / f("ours").cpuPer1000TokensMs)}×, ` +
      `per stream ${round(f("ours, JavaScript body").cpuPerStreamMs / f("ours").cpuPerStreamMs)}×`,
  );
  console.log(
    `  above the native passthrough, ours ÷ peer ${round((f("ours").cpuPer1000TokensMs - passthrough) / (f("peer").cpuPer1000TokensMs - passthrough))}×; ` +
      `the JavaScript pump alone is ${round(pump / f("peer").cpuPer1000TokensMs)}× the peer; ` +
      `the dev hop's share of ours under wrangler dev: ${Math.round(100 * (1 - f("ours + limiter").cpuPer1000TokensMs / devFigure(ours.name)))}%`,
  );

  // 5. Latency at 200 concurrent streams, at the benchmark's pace and at a fifth of it.
  const at200 = [await measureLatency(upstream.url, PACE_MS, () => ++client), await measureLatency(upstream.url, PACE_MS * 5, () => ++client)];
  for (const run of at200) {
    console.log(`\nlatency per token, 200 concurrent streams, tokens ${run.paceMs} ms apart (${run.tokensPerS} tokens/s), direct socket (ms)`);
    console.log(`  ${"".padEnd(30)}      p50      p99   added p50   added p99   added p99 while streams start / once started`);
    for (const [name, l] of Object.entries(run.latency)) {
      const more = run.added[name];
      const split = more ? `${more.p99WhileStarting.toFixed(2)} / ${more.p99OnceStarted.toFixed(2)}` : "";
      console.log(`  ${name.padEnd(30)} ${l.p50.toFixed(2).padStart(8)} ${l.p99.toFixed(2).padStart(8)} ${(more ? more.p50.toFixed(2) : "").padStart(11)} ${(more ? more.p99.toFixed(2) : "").padStart(11)}   ${split}`);
    }
    const added = (name: string) => run.added[name]!.p99;
    // The goal is set at 2,000 tokens/s; at 10,000 every JavaScript relay falls behind here.
    const unbound = added("ours") / added("peer");
    console.log(
      `  ours ÷ peer, added p99: limiter unbound ${run.tokensPerS === 2000 ? goal(unbound, 1) : `${round(unbound)}×`}, both bound ${round(added("ours + limiter") / added("peer + limiter"))}×; ` +
        `the JavaScript pump adds ${added("JavaScript pump")} ms`,
    );
  }

  // 6. Memory per open stream: each target alone in a fresh workerd, the streams held open at once.
  const open = await measureOpenStreams(upstream.url, STREAMS, () => ++client);
  console.log(`\nmemory per open stream, ${STREAMS} held open at once, each target alone (KiB per stream; each turn)   workerd resident   V8 heap   errors`);
  for (const [name, m] of Object.entries(open)) {
    console.log(`  ${name.padEnd(40)} ${`${m.rssKiB} (${m.turnsRssKiB.join(", ")})`.padStart(28)} ${`${m.heapKiB} (${m.turnsHeapKiB.join(", ")})`.padStart(22)} ${String(m.errors).padStart(8)}`);
  }
  const o1 = open["this Worker"]!;
  const p1 = open.peer!;
  const js = open["this Worker, JavaScript body"]!;
  console.log(
    `  ours ÷ peer: resident ${goal(o1.rssKiB / p1.rssKiB, 1)}, heap ${goal(o1.heapKiB / p1.heapKiB, 1)}; ` +
      `the native body against a JavaScript one in this Worker: resident ${round(o1.rssKiB - js.rssKiB, 1)} KiB, heap ${round(o1.heapKiB - js.heapKiB, 1)} KiB per stream`,
  );

  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/chat.json";
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), streams: STREAMS, paceMs: PACE_MS, bundle, latency, added: { [ours.name]: added(ours.name), [peer.name]: added(peer.name), [`${ours.name} tool`]: added(ours.name, " tool"), [`${peer.name} tool`]: added(peer.name, " tool") }, load, withoutDevHop: floor, at200Streams: at200, openStreams: open, relayAloneCpuMsPer1000Deltas: memory }, null, 2));
  console.log(`\nwritten to ${file}`);

  await upstream.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
