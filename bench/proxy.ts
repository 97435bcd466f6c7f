// npm run bench (second part): 1 GiB from a local origin through /proxy, side by side with reading the origin
// directly and with a bare Worker that only returns fetch(origin). curl is the client. Prints and records figures.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { sha256Of, startOrigin } from "../test/node/originServer";
import { cpuSeconds, peakMiB, startDev, workerdPids } from "./processes";

const SIZE = Number(process.env.BENCH_PROXY_BYTES ?? 1024 ** 3);
const RUNS = 3;
const MiB = 1024 * 1024;

// Asynchronous: the origin runs in this process and must go on serving while curl reads.
const run = promisify(execFile);

/** Downloads `url` with curl, discarding the bytes; returns MiB/s and the bytes received. */
async function download(url: string): Promise<{ mibPerS: number; bytes: number }> {
  const { stdout } = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{size_download} %{speed_download}", url]);
  const [bytes, speed] = stdout.trim().split(" ").map(Number);
  return { mibPerS: speed! / MiB, bytes: bytes! };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function main() {
  const origin = await startOrigin();
  const [ours, peer] = await Promise.all([
    startDev("edge-streams", ["--var", `PROXY_ORIGINS:${JSON.stringify({ origin: origin.url })}`]),
    startDev("bare", ["-c", "bench/peer/wrangler.toml", "--var", `BARE_ORIGIN:${origin.url}`]),
  ]);
  const path = `/bytes/${SIZE}`;
  const targets = [
    { name: "direct from the origin", url: origin.url + path, pids: [] as number[] },
    { name: "bare Worker", url: new URL(`/bare${path}`, peer.url).href, pids: workerdPids(peer.child.pid!) },
    { name: "/proxy", url: new URL(`/proxy/origin${path}`, ours.url).href, pids: workerdPids(ours.child.pid!) },
  ];
  console.log(`\nproxy benchmark: ${round(SIZE / MiB / 1024)} GiB per download, median of ${RUNS}, curl as the client\n`);
  const results: Record<string, { mibPerS: number; cpuSPerGiB: number | null }> = {};
  for (const target of targets) {
    await download(target.url); // warm: the first connection and the Worker's first load
    const before = cpuSeconds(target.pids);
    const speeds: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { mibPerS, bytes } = await download(target.url);
      if (bytes !== SIZE) throw new Error(`${target.name}: ${bytes} of ${SIZE} bytes`);
      speeds.push(mibPerS);
    }
    const cpu = cpuSeconds(target.pids) - before;
    results[target.name] = {
      mibPerS: round(median(speeds), 0),
      cpuSPerGiB: target.pids.length ? round(cpu / RUNS / (SIZE / 1024 ** 3)) : null,
    };
  }
  const direct = results["direct from the origin"]!.mibPerS;
  const bare = results["bare Worker"]!.mibPerS;
  console.log("                            MiB/s   × direct   × bare   workerd CPU s/GiB");
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(24)} ${String(r.mibPerS).padStart(7)} ${round(r.mibPerS / direct).toFixed(2).padStart(10)} ` +
        `${round(r.mibPerS / bare).toFixed(2).padStart(8)} ${r.cpuSPerGiB === null ? "".padStart(19) : r.cpuSPerGiB.toFixed(2).padStart(19)}`,
    );
  }

  const expected = sha256Of(SIZE);
  const received = (await run("sh", ["-c", `curl -s '${targets[2]!.url}' | sha256sum`])).stdout.split(" ")[0];
  const memory = { "edge-streams": round(peakMiB(targets[2]!.pids), 0), bare: round(peakMiB(targets[1]!.pids), 0) };
  console.log(`\nSHA-256 through /proxy: ${received === expected ? "matches" : "DIFFERS from"} the origin's (${expected.slice(0, 16)}…)`);
  console.log(`peak memory, workerd processes: /proxy ${memory["edge-streams"]} MiB, bare ${memory.bare} MiB`);

  mkdirSync("bench/results", { recursive: true });
  const file = "bench/results/proxy.json";
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), bytes: SIZE, results, sha256: { expected, received }, peakMiB: memory }, null, 2));
  console.log(`written to ${file}`);
  ours.child.kill();
  peer.child.kill();
  await origin.close();
  if (received !== expected) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
