// Memory per open stream: `streams` answers held open at once (the upstream sends a token, then one every few seconds),
// each target in a workerd of its own, started fresh; what the workerd process holds (resident memory) and what V8's
// heap holds (after a collection) once every stream has its first token, against the same before the first opened.
// Workers' 128 MB is a limit per isolate, whose own memory is its heap; resident memory adds what the runtime holds
// natively (sockets, native stream buffers). Also the native response body against a JavaScript one: this Worker
// both ways (bench/miniflare.ts `jsBody`), and the bare pump both ways.
import { devtools } from "./devtools";
import { mean, openaiTokens, post, sseTokens, streamOnce, takeTurns, type Target } from "./load";
import { startMiniflare } from "./miniflare";
import { residentMiB, workerdPids } from "./processes";

const PACE_MS = 3000;
const TOKENS = 5; // the first at once, then one every PACE_MS: each stream stays open ~12 s once it has its first token

export interface OpenStreamFigures {
  /** Resident memory of the target's workerd per open stream, KiB (each turn). */
  rssKiB: number;
  turnsRssKiB: number[];
  /** V8 heap used per open stream after a collection, KiB. */
  heapKiB: number;
  turnsHeapKiB: number[];
  errors: number;
}

const TARGETS = [
  { name: "this Worker", config: "wrangler.toml", path: "/api/chat", tokens: sseTokens, jsBody: false },
  { name: "this Worker, JavaScript body", config: "wrangler.toml", path: "/api/chat", tokens: sseTokens, jsBody: true },
  { name: "peer", config: "bench/peer/wrangler.toml", path: "/", tokens: sseTokens, jsBody: false },
  { name: "JavaScript pump, native body", config: "bench/peer/wrangler.toml", path: "/pump", tokens: openaiTokens, jsBody: false },
  { name: "JavaScript pump, JavaScript body", config: "bench/peer/wrangler.toml", path: "/pump-js", tokens: openaiTokens, jsBody: false },
  { name: "native passthrough", config: "bench/peer/wrangler.toml", path: "/passthrough", tokens: openaiTokens, jsBody: false },
] as const;

/** Each target's memory per open stream, the targets taking turns (in order, then reversed); `root` is the fake upstream. */
export async function measureOpenStreams(root: string, streams: number, nextClient: () => number): Promise<Record<string, OpenStreamFigures>> {
  const vars = { OPENAI_BASE_URL: `${root}/stamp-${PACE_MS}/v1`, OPENAI_API_KEY: "sk-bench", CHAT_MAX_TOKENS: "1000" };
  // The Worker's gc(), which heapAfterCollection calls (bench/devtools.ts): only the Miniflares started here have it.
  process.env.MINIFLARE_WORKERD_V8_FLAGS = "--expose-gc";
  const turns = await takeTurns(TARGETS.map((t) => t.name), async (name) => {
    const target = TARGETS.find((t) => t.name === name)!;
    const others = new Set(workerdPids(process.pid));
    const mf = await startMiniflare("open-streams", target.config, vars, { withoutRateLimit: true, quiet: true, inspect: true, jsBody: target.jsBody });
    const pids = workerdPids(process.pid).filter((pid) => !others.has(pid));
    const session = await devtools(mf.inspector!);
    const answer: Target = { name, request: (tokens, client) => post(new URL(target.path, mf.direct), tokens, client), tokens: target.tokens };
    // Streams one answer to its end, calling `first` when its first token arrives.
    const holdOpen = (first: () => void) => streamOnce(answer, TOKENS, nextClient(), false, () => first());
    const heapMiB = async () => (await session.heapAfterCollection()) / 2 ** 20;
    // A few answers first, so the code is compiled and the pools warm before the baseline.
    await Promise.all(Array.from({ length: 20 }, () => holdOpen(() => {})));
    const before = { rss: residentMiB(pids), heap: await heapMiB() };
    const firsts = Array.from({ length: streams }, () => Promise.withResolvers<void>());
    const running = Promise.allSettled(firsts.map((first) => holdOpen(first.resolve).catch((error) => (first.resolve(), Promise.reject(error)))));
    await Promise.all(firsts.map((first) => first.promise));
    const open = { rss: residentMiB(pids), heap: await heapMiB() };
    const errors = (await running).filter((result) => result.status === "rejected").length;
    session.close();
    await mf.dispose();
    return { rss: ((open.rss - before.rss) * 1024) / streams, heap: ((open.heap - before.heap) * 1024) / streams, errors };
  });
  delete process.env.MINIFLARE_WORKERD_V8_FLAGS;
  const round = (value: number) => Number(value.toFixed(1));
  return Object.fromEntries(
    Object.entries(turns).map(([name, runs]) => [
      name,
      {
        rssKiB: round(mean(runs.map((r) => r.rss))),
        turnsRssKiB: runs.map((r) => round(r.rss)),
        heapKiB: round(mean(runs.map((r) => r.heap))),
        turnsHeapKiB: runs.map((r) => round(r.heap)),
        errors: runs.reduce((sum, r) => sum + r.errors, 0),
      },
    ]),
  );
}
