// npm run bench: the Durable Streams protocol (/v1/stream/*) beside the durable chat path it shares the core with,
// in Miniflare on a direct socket (no dev proxy, whose ~9 ms a request would drown an append), the limiters unbound. Appends: messages appended per second and workerd CPU per message, one POST each and in
// batches, against the durable chat's CPU per recorded token. Reads: workerd CPU per message to read the same recorded
// chat answers through the chat's own reader (SSE replay) and through the protocol (catch-up JSON, and SSE). Catch-up:
// a stream of 10,000 messages of ~200 bytes read from the start, part by part (time, parts, workerd memory before and
// at most during).
// The targets take turns, in order and then in reverse; each figure is the mean of its turns. Fails only on errors.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { startFakeOpenAI } from "../test/node/fakeOpenAI";
import { startMiniflare } from "./miniflare";
import { cpuSeconds, peakMiB, workerdPids } from "./processes";

const STREAMS = Number(process.env.BENCH_PROTOCOL_STREAMS ?? 50);
const APPENDS = 40;
const TOKENS = 100;
const CATCH_UP = 10_000;

const now = () => performance.timeOrigin + performance.now();
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
let client = 0;
const ip = () => {
  const n = ++client;
  return `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
};

async function ok(response: Response | Promise<Response>): Promise<Response> {
  const r = await response;
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  return r;
}

/** The workerd processes' resident memory now (VmRSS), summed, in MiB. */
function rssMiB(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024, 0);
}

async function main() {
  const upstream = await startFakeOpenAI();
  const vars = { OPENAI_BASE_URL: `${upstream.url}/stamp-1/v1`, OPENAI_API_KEY: "sk-bench", CHAT_MAX_TOKENS: "1000" };
  const worker = await startMiniflare("stream-protocol", "wrangler.toml", vars, { withoutRateLimit: true, quiet: true });
  const pids = workerdPids(process.pid);
  const at = (path: string) => new URL(path, worker.direct);
  const message = JSON.stringify({ text: "x".repeat(80) });
  console.log(`Durable Streams protocol benchmark: ${STREAMS} streams at once\n`);

  // Each target: work on STREAMS streams at once; returns the messages it wrote or read, and the wall time.
  let round_ = 0;
  const targets: Record<string, () => Promise<number>> = {
    "append, a POST per message": async () => {
      const names = await Promise.all(Array.from({ length: STREAMS }, async (_, i) => {
        const name = `bench-${++round_}-${i}`;
        await ok(fetch(at(`/v1/stream/${name}`), { method: "PUT", headers: { "content-type": "application/json", "cf-connecting-ip": ip() } }));
        return name;
      }));
      await Promise.all(names.map(async (name) => {
        for (let n = 0; n < APPENDS; n++) {
          await ok(fetch(at(`/v1/stream/${name}`), { method: "POST", headers: { "content-type": "application/json" }, body: message }));
        }
      }));
      return STREAMS * APPENDS;
    },
    "append, batches of 100": async () => {
      const batch = `[${Array(100).fill(message).join(",")}]`;
      await Promise.all(Array.from({ length: STREAMS }, async (_, i) => {
        const name = `bench-batch-${++round_}-${i}`;
        await ok(fetch(at(`/v1/stream/${name}`), { method: "PUT", headers: { "content-type": "application/json", "cf-connecting-ip": ip() } }));
        for (let n = 0; n < 4; n++) await ok(fetch(at(`/v1/stream/${name}`), { method: "POST", headers: { "content-type": "application/json" }, body: batch }));
      }));
      return STREAMS * 400;
    },
    "durable chat, a record per token": async () => {
      await Promise.all(Array.from({ length: STREAMS }, async () => {
        const r = await ok(fetch(at("/api/chat?resume=1"), {
          method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip() },
          body: JSON.stringify({ message: "bench", max_tokens: TOKENS }),
        }));
        await r.text();
      }));
      return STREAMS * TOKENS;
    },
  };

  // Recorded chat answers to read back (TOKENS records and the end each).
  const ids = await Promise.all(Array.from({ length: STREAMS }, async () => {
    const r = await ok(fetch(at("/api/chat?resume=1"), {
      method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip() },
      body: JSON.stringify({ message: "bench", max_tokens: TOKENS }),
    }));
    await r.text();
    return r.headers.get("stream-id")!;
  }));
  // Each answer read 10 times a turn: the CPU clock counts in 10 ms ticks.
  const readAll = (path: (id: string) => string, headers: Record<string, string> = {}) => async () => {
    for (let n = 0; n < 10; n++) await Promise.all(ids.map(async (id) => (await ok(fetch(at(path(id)), { headers }))).text()));
    return 10 * ids.length * (TOKENS + 1);
  };
  const reads: Record<string, () => Promise<number>> = {
    "read: the chat's reader, SSE replay": readAll((id) => `/api/chat/${id}?after=0`, { accept: "text/event-stream" }),
    "read: protocol catch-up, JSON": readAll((id) => `/v1/stream/${id}?offset=-1`),
    "read: protocol live=sse": readAll((id) => `/v1/stream/${id}?offset=-1&live=sse`),
  };

  const measured: Record<string, { cpuUsPerMessage: number[]; perSecond: number[] }> = {};
  for (const group of [targets, reads]) {
    const order = Object.keys(group);
    for (const name of [...order, ...order.reverse()]) {
      const before = cpuSeconds(pids);
      const started = now();
      const messages = await group[name]!();
      const wallS = (now() - started) / 1000;
      const entry = (measured[name] ??= { cpuUsPerMessage: [], perSecond: [] });
      entry.cpuUsPerMessage.push(((cpuSeconds(pids) - before) * 1e6) / messages);
      entry.perSecond.push(messages / wallS);
    }
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const table = Object.fromEntries(Object.entries(measured).map(([name, m]) => [name, {
    cpuUsPerMessage: round(mean(m.cpuUsPerMessage), 1),
    turns: m.cpuUsPerMessage.map((v) => round(v, 1)),
    messagesPerSecond: round(mean(m.perSecond), 0),
  }]));
  console.log("workerd CPU per message (µs; turns)              messages/s");
  for (const [name, row] of Object.entries(table)) {
    console.log(`  ${name.padEnd(36)} ${String(row.cpuUsPerMessage).padStart(8)} (${row.turns.join(", ")})   ${String(row.messagesPerSecond).padStart(8)}`);
  }
  const chat = table["durable chat, a record per token"]!.cpuUsPerMessage;
  const chatRead = table["read: the chat's reader, SSE replay"]!.cpuUsPerMessage;
  console.log(`  appends against the chat's records: ${round(table["append, a POST per message"]!.cpuUsPerMessage / chat)}× one by one, ` +
    `${round(table["append, batches of 100"]!.cpuUsPerMessage / chat)}× in batches`);
  console.log(`  reads against the chat's reader: ${round(table["read: protocol catch-up, JSON"]!.cpuUsPerMessage / chatRead)}× catch-up, ` +
    `${round(table["read: protocol live=sse"]!.cpuUsPerMessage / chatRead)}× SSE`);

  // A catch-up of 10,000 messages, from the start, following Stream-Next-Offset.
  const name = `bench-catch-up-${Date.now()}`;
  await ok(fetch(at(`/v1/stream/${name}`), { method: "PUT", headers: { "content-type": "application/json" } }));
  for (let n = 0; n < CATCH_UP / 100; n++) {
    const batch = `[${Array.from({ length: 100 }, (_, i) => JSON.stringify({ n: n * 100 + i, text: "x".repeat(180) })).join(",")}]`;
    await ok(fetch(at(`/v1/stream/${name}`), { method: "POST", headers: { "content-type": "application/json" }, body: batch }));
  }
  const rssBefore = rssMiB(pids);
  let rssMax = rssBefore;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB(pids))), 10);
  const started = now();
  let offset = "-1";
  let got = 0;
  let parts = 0;
  for (;;) {
    const r = await ok(fetch(at(`/v1/stream/${name}?offset=${offset}`)));
    const part = (await r.json()) as unknown[];
    got += part.length;
    parts++;
    offset = r.headers.get("stream-next-offset")!;
    if (r.headers.get("stream-up-to-date") === "true") break;
  }
  const catchUpMs = now() - started;
  clearInterval(sampler);
  if (got !== CATCH_UP) throw new Error(`the catch-up read ${got} messages, not ${CATCH_UP}`);
  const catchUp = { messages: got, parts, ms: round(catchUpMs, 0), rssBeforeMiB: round(rssBefore, 0), rssMaxMiB: round(rssMax, 0), peakMiB: round(peakMiB(pids), 0) };
  console.log(`\ncatch-up of ${got} messages (~200 bytes each): ${catchUp.ms} ms in ${parts} parts; workerd resident ${catchUp.rssBeforeMiB} MiB before, at most ${catchUp.rssMaxMiB} MiB during`);

  await worker.dispose();
  await upstream.close();
  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/streamProtocol.json";
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), streams: STREAMS, table, catchUp }, null, 2));
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
