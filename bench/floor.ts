// The chat load without `wrangler dev`'s proxy Worker in front: each relay alone in Miniflare (the bindings of its
// wrangler.toml), reached through Miniflare's entry and on a direct socket, beside the floor under any relay (the
// upstream's SSE passed through natively). Also the latency each token gains at 200 concurrent streams, their starts
// spread over one token interval as independent clients' would be (in lockstep, every stream's token lands in the
// same millisecond, and the last of 200 waits for the other 199).
import { openaiTokens, percentile, post, sseTokens, streamOnce, type Target } from "./load";
import { startMiniflare } from "./miniflare";
import { cpuSeconds, workerdPids } from "./processes";

const SHORT = 20;
const LONG = 100;
const LATENCY_STREAMS = 200;

export interface FloorFigures {
  cpuPer1000TokensMs: number;
  tokenP99Ms: number;
  errors: number;
}

export interface LatencyFigures {
  p50: number;
  p99: number;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * Runs `streams` concurrent short (20-token) then long (100-token) answers through each target; the CPU difference
 * between the runs, per token, is the per-token cost with per-stream costs cancelled out. `upstream` is the fake's
 * OpenAI base URL (stamp mode); `nextClient` numbers the simulated clients across the whole benchmark.
 */
export async function measureFloor(upstream: string, paceMs: number, streams: number, nextClient: () => number) {
  const vars = { OPENAI_BASE_URL: upstream, OPENAI_API_KEY: "sk-bench", CHAT_MAX_TOKENS: "1000" };
  const cpu: Record<string, FloorFigures> = {};
  const latency: Record<string, LatencyFigures> = {};
  const load = async (target: Target, count: number, tokens: number, spreadMs = 0) => {
    const start = async (i: number) => {
      if (spreadMs > 0) await new Promise((resolve) => setTimeout(resolve, (i * spreadMs) / count));
      return streamOnce(target, tokens, nextClient());
    };
    const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => start(i)));
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length > 0) console.log(`  ${target.name}: ${failed.length} failed, first: ${(failed[0] as PromiseRejectedResult).reason}`);
    return { errors: failed.length, latencies: results.flatMap((r) => (r.status === "fulfilled" ? r.value : [])) };
  };

  // The upstream straight from the client at 200 streams: what the relays' latency is measured against.
  const direct: Target = {
    name: "direct",
    request: (tokens) =>
      fetch(`${upstream}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "bench", messages: [], stream: true, max_tokens: tokens }),
      }),
    tokens: openaiTokens,
  };
  const directLatencies = (await load(direct, LATENCY_STREAMS, LONG, paceMs)).latencies;
  latency.direct = { p50: round(percentile(directLatencies, 50)), p99: round(percentile(directLatencies, 99)) };

  const relays = [
    { name: "edge-streams", config: "wrangler.toml", routes: [["/api/chat", sseTokens]] },
    // The peer's Worker also serves the floor: the upstream's SSE returned as fetch gave it.
    { name: "peer", config: "bench/peer/wrangler.toml", routes: [["/", sseTokens], ["/passthrough", openaiTokens]] },
  ] as const;
  for (const relay of relays) {
    const mf = await startMiniflare(relay.name, relay.config, vars);
    const pids = workerdPids(process.pid);
    for (const [path, tokens] of relay.routes) {
      const label = path === "/passthrough" ? "native passthrough (the floor)" : relay.name;
      for (const [way, url] of [["entry", mf.entry], ["direct", mf.direct]] as const) {
        const target: Target = { name: `${label} ${way}`, request: (count, id) => post(new URL(path, url), count, id), tokens };
        const cpuFor = async (count: number) => {
          const before = cpuSeconds(pids);
          const { errors, latencies } = await load(target, streams, count);
          return { cpuS: cpuSeconds(pids) - before, errors, p99: percentile(latencies, 99) };
        };
        const short = await cpuFor(SHORT);
        const long = await cpuFor(LONG);
        cpu[target.name] = {
          cpuPer1000TokensMs: round(((long.cpuS - short.cpuS) / (streams * (LONG - SHORT))) * 1e6, 1),
          tokenP99Ms: round(short.p99, 1),
          errors: short.errors + long.errors,
        };
      }
      const latencyTarget: Target = { name: `${label} latency`, request: (count, id) => post(new URL(path, mf.direct), count, id), tokens };
      const { latencies } = await load(latencyTarget, LATENCY_STREAMS, LONG, paceMs);
      latency[label] = { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) };
    }
    await mf.dispose();
  }
  const added = Object.fromEntries(
    Object.entries(latency)
      .filter(([name]) => name !== "direct")
      .map(([name, l]) => [name, { p50: round(l.p50 - latency.direct!.p50), p99: round(l.p99 - latency.direct!.p99) }]),
  );
  return { cpu, latency, added };
}
