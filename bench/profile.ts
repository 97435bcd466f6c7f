// npm run bench:profile: where workerd's CPU goes under the chat load. Each relay (ours, the Hono peer) runs alone in
// Miniflare with DevTools open; V8's sampling profiler records while BENCH_STREAMS concurrent 20-token streams pass on
// a direct socket. Prints the functions that cost the most (self time) with the module each is from, and the share of
// JavaScript against the whole process's CPU (the rest is workerd's own C++: sockets, HTTP, streams).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { startFakeOpenAI } from "../test/node/fakeOpenAI";
import { percentile, post, sseTokens, streamOnce } from "./load";
import { devtools } from "./devtools";
import { startMiniflare } from "./miniflare";
import { cpuSeconds, workerdPids } from "./processes";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const TOKENS = Number(process.env.BENCH_PROFILE_TOKENS ?? 20);
const SAMPLE_US = 100;
const TOP = 20;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Which module each line of an esbuild bundle is from: esbuild heads each module's code with `// path`. */
function modulesOf(scriptPath: string): (line: number) => string {
  const starts: [number, string][] = [];
  readFileSync(scriptPath, "utf8")
    .split("\n")
    .forEach((text, line) => {
      const head = /^\/\/ ((?:src|node_modules|bench)\/\S+)$/.exec(text);
      if (head) starts.push([line, head[1]!.replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, "$1")]);
    });
  return (line) => {
    let found = "(bundle)";
    for (const [start, name] of starts) if (start <= line) found = name;
    return found;
  };
}

/** Self time per function and per module, in ms, from V8's samples. */
function summarize(profile: Profile, moduleOf: (line: number) => string) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const inBundle = (frame: CallFrame) => frame.url.includes("worker.js");
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  // The runtime's built-ins (fetch, streams, timers, bindings) named with the bundle's function that called them.
  const builtIns = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = byNode.get(id)!;
    // V8's pseudo-frames: (idle) is waiting for I/O, (program) is the runtime outside JavaScript, (garbage collector).
    if (frame.functionName === "(idle)") return;
    total += ms;
    const native = !inBundle(frame);
    const module = frame.functionName.startsWith("(") ? frame.functionName : native ? "(runtime built-ins)" : moduleOf(frame.lineNumber);
    const name = `${frame.functionName || "(anonymous)"}  ${module}${native ? "" : `:${frame.lineNumber + 1}`}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    modules.set(module, (modules.get(module) ?? 0) + ms);
    if (native && !frame.functionName.startsWith("(")) {
      let caller = parents.get(id);
      while (caller !== undefined && !inBundle(byNode.get(caller)!)) caller = parents.get(caller);
      const at = caller === undefined ? undefined : byNode.get(caller)!;
      const key = `${frame.functionName || "(anonymous)"} ← ${at ? `${at.functionName || "(anonymous)"}  ${moduleOf(at.lineNumber)}` : "(event loop)"}`;
      builtIns.set(key, (builtIns.get(key) ?? 0) + ms);
    }
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, ms]) => ({ name, ms: Math.round(ms), share: Number((ms / total).toFixed(3)) }));
  return { totalMs: Math.round(total), functions: top(functions, TOP), modules: top(modules, 12), builtIns: top(builtIns, 12) };
}

async function main() {
  const upstream = await startFakeOpenAI();
  const vars = { OPENAI_BASE_URL: `${upstream.url}/stamp-20/v1`, OPENAI_API_KEY: "sk-bench", CHAT_MAX_TOKENS: "1000" };
  const results: Record<string, object> = {};
  let client = 0;
  const runs = [
    ["edge-streams", "wrangler.toml", "/api/chat", false],
    ["edge-streams without the rate limiter", "wrangler.toml", "/api/chat", true],
    ["edge-streams recorded (?resume=1, a Durable Object per stream)", "wrangler.toml", "/api/chat?resume=1", true],
    ["peer", "bench/peer/wrangler.toml", "/", false],
  ] as const;
  for (const [label, config, path, withoutRateLimit] of runs) {
    const name = label.split(" ")[0]!;
    const mf = await startMiniflare(name, config, vars, { inspect: true, withoutRateLimit });
    const pids = workerdPids(process.pid);
    const target = { name, request: (tokens: number, id: number) => post(new URL(path, mf.direct), tokens, id), tokens: sseTokens };
    // One warm-up stream compiles the hot paths before sampling starts.
    await streamOnce(target, TOKENS, ++client);
    const session = await devtools(mf.inspector!);
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: SAMPLE_US });
    await session.send("Profiler.start");
    const before = cpuSeconds(pids);
    const runs = await Promise.allSettled(Array.from({ length: STREAMS }, () => streamOnce(target, TOKENS, ++client)));
    const processMs = (cpuSeconds(pids) - before) * 1000;
    const { profile } = await session.send<{ profile: Profile }>("Profiler.stop");
    session.close();
    await mf.dispose();

    const failed = runs.filter((run) => run.status === "rejected");
    const latencies = runs.flatMap((run) => (run.status === "fulfilled" ? run.value : []));
    const summary = summarize(profile, modulesOf(mf.scriptPath));
    results[label] = { errors: failed.length, tokenP99Ms: Number(percentile(latencies, 99).toFixed(1)), processCpuMs: Math.round(processMs), ...summary };

    console.log(`\n${label}: ${STREAMS} × ${TOKENS}-token streams on a direct socket, ${failed.length} errors`);
    console.log(`  whole workerd ${Math.round(processMs)} ms CPU; JavaScript sampled ${summary.totalMs} ms (${Math.round((100 * summary.totalMs) / processMs)}%)`);
    console.log("  self time by module                            ms   share");
    for (const m of summary.modules) console.log(`    ${m.name.padEnd(42)} ${String(m.ms).padStart(6)} ${(m.share * 100).toFixed(1).padStart(6)}%`);
    console.log("  top functions (self time)");
    for (const f of summary.functions) console.log(`    ${f.name.padEnd(72)} ${String(f.ms).padStart(6)} ${(f.share * 100).toFixed(1).padStart(6)}%`);
    console.log("  runtime built-ins, by the bundle's function that called them");
    for (const f of summary.builtIns) console.log(`    ${f.name.padEnd(72)} ${String(f.ms).padStart(6)} ${(f.share * 100).toFixed(1).padStart(6)}%`);
  }
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/profile.json", JSON.stringify({ at: new Date().toISOString(), streams: STREAMS, tokens: TOKENS, sampleUs: SAMPLE_US, results }, null, 2));
  console.log("\nwritten to bench/results/profile.json");
  await upstream.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
