// The chat load without `wrangler dev`'s proxy Worker in front: each relay in its own Miniflare (its own workerd, with
// the bindings of its wrangler.toml, the rate limiter bound or not), on a direct socket, beside the floor under any
// relay (the upstream's SSE passed through natively, and pumped through JavaScript unchanged). Also the latency each token gains
// at 200 concurrent streams, their starts spread over a second as independent clients' would be (in lockstep, every
// stream's token lands in the same millisecond and the last of 200 waits for the other 199, and 200 request set-ups
// at once hold up every token behind them).
import { mean, openaiTokens, percentile, post, sseTokens, streamOnce, takeTurns, type Target } from "./load";
import { startMiniflare, type MiniflareWorker } from "./miniflare";
import { cpuSeconds, workerdPids } from "./processes";

// Answers of one token measure what a stream costs beyond its tokens (its set-up, admission, end); answers of 100
// measure the tokens: their difference, per token, has the per-stream costs cancelled out.
const ONE = 1;
const LONG = 100;
// Each target's turns: in order then reversed, twice (the per-stream figure is small against the run's drift).
const ROUNDS = 2;
const LATENCY_STREAMS = 200;
// The 200 latency streams start over this long, as clients arriving over a second rather than in one instant.
const LATENCY_RAMP_MS = 1000;

export interface FloorFigures {
  cpuPer1000TokensMs: number;
  turns1000TokensMs: number[];
  /** What a one-token answer cost beyond its token, per stream: set-up, admission, the end. */
  cpuPerStreamMs: number;
  turnsPerStreamMs: number[];
  tokenP99Ms: number;
  errors: number;
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  /** p99 of the tokens that arrived while streams were still starting (until the last one's first token), and after. */
  p99WhileStarting: number;
  p99OnceStarted: number;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

// Each relay's Worker and the routes measured on it, like with like: each relay with the rate limiter bound (Miniflare
// emulates it with a Durable Object and SQLite per call, a cost the edge's has not) and without it. The peer's
// unbound Worker also serves the floors: the upstream's SSE returned as fetch gave it, or pumped through JavaScript.
const RELAYS = [
  { name: "edge-streams", config: "wrangler.toml", withoutRateLimit: true, routes: [["ours", "/api/chat", sseTokens]] },
  // The same Worker with a JavaScript TransformStream for its body (bench/miniflare.ts `jsBody`): the native body's trade.
  { name: "edge-streams-js-body", config: "wrangler.toml", withoutRateLimit: true, jsBody: true, routes: [["ours, JavaScript body", "/api/chat", sseTokens]] },
  { name: "edge-streams-limited", config: "wrangler.toml", withoutRateLimit: false, routes: [["ours + limiter", "/api/chat", sseTokens]] },
  {
    name: "peer",
    config: "bench/peer/wrangler.toml",
    withoutRateLimit: true,
    routes: [["peer", "/", sseTokens], ["JavaScript pump", "/pump", openaiTokens], ["native passthrough", "/passthrough", openaiTokens]],
  },
  { name: "peer-limited", config: "bench/peer/wrangler.limited.toml", withoutRateLimit: false, routes: [["peer + limiter", "/", sseTokens]] },
] as const;

/**
 * Runs `count` answers of `tokens` at once, their starts spread over `spreadMs`: their token latencies, errors, and
 * the tokens' arrival times beside their latencies (`timed`), with the moment the last stream got its first token.
 */
async function load(target: Target, count: number, tokens: number, nextClient: () => number, spreadMs = 0) {
  const timed: [number, number][] = [];
  let allStarted = 0;
  const start = async (i: number) => {
    if (spreadMs > 0) await new Promise((resolve) => setTimeout(resolve, (i * spreadMs) / count));
    let first = true;
    return streamOnce(target, tokens, nextClient(), false, (at, latency) => {
      timed.push([at, latency]);
      if (first) allStarted = Math.max(allStarted, at);
      first = false;
    });
  };
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => start(i)));
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) console.log(`  ${target.name}: ${failed.length} failed, first: ${(failed[0] as PromiseRejectedResult).reason}`);
  return { errors: failed.length, latencies: results.flatMap((r) => (r.status === "fulfilled" ? r.value : [])), timed, allStarted };
}

const varsFor = (upstream: string) => ({ OPENAI_BASE_URL: upstream, OPENAI_API_KEY: "sk-bench", CHAT_MAX_TOKENS: "1000" });

/**
 * Runs `streams` concurrent one-token then 100-token answers through each target on a direct socket; the CPU
 * difference between the runs, per token, is the per-token cost with per-stream costs cancelled out, and what the
 * one-token run cost beyond its token is the per-stream cost. Every Worker runs at once, each in its own workerd, and
 * the targets take turns (in order, then reversed, twice; the figure is the mean). `upstream` is the fake's OpenAI
 * base URL (stamp mode); `nextClient` numbers the simulated clients across the whole benchmark.
 */
export async function measureFloor(upstream: string, streams: number, nextClient: () => number): Promise<Record<string, FloorFigures>> {
  const targets = new Map<string, { target: Target; pids: number[] }>();
  const running: MiniflareWorker[] = [];
  for (const relay of RELAYS) {
    const others = new Set(workerdPids(process.pid));
    const mf = await startMiniflare(relay.name, relay.config, varsFor(upstream), { withoutRateLimit: relay.withoutRateLimit, quiet: true, jsBody: "jsBody" in relay });
    running.push(mf);
    const pids = workerdPids(process.pid).filter((pid) => !others.has(pid));
    for (const [label, path, tokens] of relay.routes) {
      targets.set(label, { target: { name: label, request: (count, id) => post(new URL(path, mf.direct), count, id), tokens }, pids });
    }
  }
  const turns = await takeTurns([...targets.keys()], async (name) => {
    const { target, pids } = targets.get(name)!;
    const cpuFor = async (count: number) => {
      const before = cpuSeconds(pids);
      const { errors, latencies } = await load(target, streams, count, nextClient);
      return { cpuS: cpuSeconds(pids) - before, errors, p99: percentile(latencies, 99) };
    };
    // The one-token runs are quick, and the per-stream figure rests on them alone: three of them each turn.
    const ones = [await cpuFor(ONE), await cpuFor(ONE), await cpuFor(ONE)];
    const oneCpuS = mean(ones.map((run) => run.cpuS));
    const long = await cpuFor(LONG);
    const perToken = (long.cpuS - oneCpuS) / (streams * (LONG - ONE));
    const perStream = (oneCpuS - streams * ONE * perToken) / streams;
    return { perToken, perStream, errors: ones.reduce((sum, run) => sum + run.errors, long.errors), p99: long.p99 };
  }, ROUNDS);
  await Promise.all(running.map((mf) => mf.dispose()));
  return Object.fromEntries(
    Object.entries(turns).map(([name, runs]) => [
      name,
      {
        cpuPer1000TokensMs: round(mean(runs.map((r) => r.perToken)) * 1e6, 1),
        turns1000TokensMs: runs.map((r) => round(r.perToken * 1e6, 1)),
        cpuPerStreamMs: round(mean(runs.map((r) => r.perStream)) * 1000),
        turnsPerStreamMs: runs.map((r) => round(r.perStream * 1000)),
        tokenP99Ms: round(mean(runs.map((r) => r.p99)), 1),
        errors: runs.reduce((sum, r) => sum + r.errors, 0),
      },
    ]),
  );
}

/**
 * The latency each token gains at 200 concurrent 100-token streams on a direct socket, the upstream pacing tokens
 * `paceMs` apart (`root` is the fake upstream's URL): each target against the upstream read straight from the client;
 * the p99 also split at the moment the last stream got its first token, since what each start costs (admission, the
 * limiter, the upstream request) delays the tokens of the streams already running.
 */
export async function measureLatency(root: string, paceMs: number, nextClient: () => number) {
  const upstream = `${root}/stamp-${paceMs}/v1`;
  const latency: Record<string, LatencyFigures> = {};
  const summary = ({ latencies, timed, allStarted }: Awaited<ReturnType<typeof load>>): LatencyFigures => ({
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    p99WhileStarting: round(percentile(timed.filter(([at]) => at <= allStarted).map(([, latency]) => latency), 99)),
    p99OnceStarted: round(percentile(timed.filter(([at]) => at > allStarted).map(([, latency]) => latency), 99)),
  });
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
  latency.direct = summary(await load(direct, LATENCY_STREAMS, LONG, nextClient, LATENCY_RAMP_MS));
  for (const relay of RELAYS) {
    const mf = await startMiniflare(relay.name, relay.config, varsFor(upstream), { withoutRateLimit: relay.withoutRateLimit, quiet: true, jsBody: "jsBody" in relay });
    for (const [label, path, tokens] of relay.routes) {
      const target: Target = { name: `${label} latency`, request: (count, id) => post(new URL(path, mf.direct), count, id), tokens };
      latency[label] = summary(await load(target, LATENCY_STREAMS, LONG, nextClient, LATENCY_RAMP_MS));
    }
    await mf.dispose();
  }
  const added = Object.fromEntries(
    Object.entries(latency)
      .filter(([name]) => name !== "direct")
      .map(([name, l]) => [
        name,
        {
          p50: round(l.p50 - latency.direct!.p50),
          p99: round(l.p99 - latency.direct!.p99),
          p99WhileStarting: round(l.p99WhileStarting - latency.direct!.p99WhileStarting),
          p99OnceStarted: round(l.p99OnceStarted - latency.direct!.p99OnceStarted),
        },
      ]),
  );
  return { paceMs, tokensPerS: (LATENCY_STREAMS * 1000) / paceMs, latency, added };
}
