// npm run bench (third part): a 1 GiB upload through /api/upload (counted, hashed, stored in Miniflare's R2), side by
// side with a plain Node http server that only hashes the same bytes with node:crypto (curl is the client), sent with
// its length (one streamed put) and chunked (multipart parts); then the
// same bytes through tus (/api/files/) in 64 MiB PATCHes, each size in a fresh `wrangler dev` so its peak memory is
// its own.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { BLOCK, sha256Of } from "../test/node/originServer";
import { cpuSeconds, peakMiB, startDev, workerdPids } from "./processes";

const SIZE = Number(process.env.BENCH_UPLOAD_BYTES ?? 1024 ** 3);
const MiB = 1024 * 1024;
const run = promisify(execFile);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** Uploads the file with curl, with its length or chunked (no length: multipart parts); returns MiB/s and the JSON answer. */
async function upload(url: string, file: string, chunked = false): Promise<{ mibPerS: number; answer: { sha256: string; bytes: number } }> {
  const headers = ["-H", "content-type: application/octet-stream", ...(chunked ? ["-H", "transfer-encoding: chunked"] : [])];
  const { stdout } = await run("curl", ["-s", "-T", file, ...headers, "-w", "\n%{speed_upload}", url]);
  const lines = stdout.trim().split("\n");
  return { mibPerS: Number(lines.at(-1)) / MiB, answer: JSON.parse(lines.slice(0, -1).join("\n")) };
}

const TUS_PATCH = 64 * MiB;

/** Uploads the first `size` bytes of the file through tus in 64 MiB PATCHes; returns MiB/s and the server's Repr-Digest. */
async function tusUpload(base: URL, file: string, size: number): Promise<{ mibPerS: number; digest: string | null; lastPatchS: number; patchS: number }> {
  const v = { "tus-resumable": "1.0.0" };
  const started = performance.now();
  const created = await fetch(new URL("/api/files/", base), { method: "POST", headers: { ...v, "upload-length": String(size) } });
  const url = new URL(created.headers.get("location")!, base);
  // The last PATCH also joins the parts and hashes the whole object back from R2: timed apart from the others.
  let lastPatchS = 0;
  let patchS = 0;
  for (let at = 0; at < size; at += TUS_PATCH) {
    const end = Math.min(size, at + TUS_PATCH);
    const patchStarted = performance.now();
    const body = Readable.toWeb(createReadStream(file, { start: at, end: end - 1 })) as ReadableStream<Uint8Array>;
    const answer = await fetch(url, {
      method: "PATCH",
      headers: { ...v, "content-type": "application/offset+octet-stream", "upload-offset": String(at), "content-length": String(end - at) },
      body,
      duplex: "half",
    } as RequestInit);
    if (answer.status !== 204) throw new Error(`tus PATCH at ${at}: HTTP ${answer.status} ${await answer.text()}`);
    const took = (performance.now() - patchStarted) / 1000;
    if (end === size) lastPatchS = took;
    else patchS = Math.max(patchS, took);
  }
  const mibPerS = size / MiB / ((performance.now() - started) / 1000);
  const head = await fetch(url, { method: "HEAD", headers: v });
  return { mibPerS, digest: head.headers.get("repr-digest"), lastPatchS, patchS };
}

async function main() {
  const file = join(mkdtempSync(join(tmpdir(), "edge-streams-upload-")), "body.bin");
  const out = createWriteStream(file);
  for (let at = 0; at < SIZE; at += BLOCK.length) {
    if (!out.write(BLOCK.subarray(0, Math.min(BLOCK.length, SIZE - at)))) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  const expected = sha256Of(SIZE);

  // The peer: what an upload endpoint costs when it only counts and hashes, in plain Node.
  const peer = createServer((req, res) => {
    const hash = createHash("sha256");
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on("end", () => res.end(JSON.stringify({ bytes, sha256: hash.digest("hex") })));
  });
  await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
  const ours = await startDev("edge-streams", ["--var", `UPLOAD_MAX_BYTES:${SIZE}`]);
  const pids = workerdPids(ours.child.pid!);

  console.log(`\nupload benchmark: ${round(SIZE / MiB / 1024)} GiB, curl -T as the client\n`);
  const node = await upload(`http://127.0.0.1:${(peer.address() as AddressInfo).port}/`, file);
  const before = cpuSeconds(pids);
  const worker = await upload(new URL("/api/upload", ours.url).href, file);
  const cpu = cpuSeconds(pids) - before;
  const memory = round(peakMiB(pids), 0);
  // The same bytes with no length: 8 MiB multipart parts, each stored before the next is read.
  const chunkedBefore = cpuSeconds(pids);
  const chunked = await upload(new URL("/api/upload", ours.url).href, file, true);
  const chunkedCpu = cpuSeconds(pids) - chunkedBefore;

  console.log("                                   MiB/s   × Node   workerd CPU s/GiB   SHA-256");
  console.log(`  Node http + node:crypto        ${round(node.mibPerS, 0).toString().padStart(7)}     1.00                      ${node.answer.sha256 === expected ? "matches" : "DIFFERS"}`);
  console.log(
    `  /api/upload (hash + R2)        ${round(worker.mibPerS, 0).toString().padStart(7)} ${round(worker.mibPerS / node.mibPerS).toFixed(2).padStart(8)} ` +
      `${round(cpu / (SIZE / 1024 ** 3)).toFixed(2).padStart(19)}   ${worker.answer.sha256 === expected ? "matches" : "DIFFERS"}`,
  );
  console.log(
    `  /api/upload chunked (parts)    ${round(chunked.mibPerS, 0).toString().padStart(7)} ${round(chunked.mibPerS / node.mibPerS).toFixed(2).padStart(8)} ` +
      `${round(chunkedCpu / (SIZE / 1024 ** 3)).toFixed(2).padStart(19)}   ${chunked.answer.sha256 === expected ? "matches" : "DIFFERS"}`,
  );
  console.log(`peak memory, workerd processes: ${memory} MiB`);
  ours.child.kill();

  // tus: the same bytes in 64 MiB PATCHes, a quarter of them and all of them, each in a fresh wrangler dev.
  const tus: { bytes: number; mibPerS: number; peakMiB: number; cpuSPerGiB: number; matches: boolean; lastPatchS: number; slowestOtherPatchS: number }[] = [];
  for (const size of [Math.floor(SIZE / 4), SIZE]) {
    const dev = await startDev("edge-streams", []);
    const devPids = workerdPids(dev.child.pid!);
    const cpuBefore = cpuSeconds(devPids);
    const result = await tusUpload(dev.url, file, size);
    const want = `sha-256=:${Buffer.from(sha256Of(size), "hex").toString("base64")}:`;
    tus.push({
      bytes: size,
      mibPerS: round(result.mibPerS, 1),
      peakMiB: round(peakMiB(devPids), 0),
      cpuSPerGiB: round((cpuSeconds(devPids) - cpuBefore) / (size / 1024 ** 3)),
      matches: result.digest === want,
      lastPatchS: round(result.lastPatchS),
      slowestOtherPatchS: round(result.patchS),
    });
    dev.child.kill();
  }
  console.log("\ntus, 64 MiB PATCHes          MiB/s   × /api/upload   workerd CPU s/GiB   peak MiB   SHA-256");
  for (const t of tus) {
    console.log(
      `  ${`${round(t.bytes / MiB, 0)} MiB`.padEnd(26)} ${t.mibPerS.toFixed(0).padStart(7)} ${round(t.mibPerS / worker.mibPerS).toFixed(2).padStart(15)} ` +
        `${t.cpuSPerGiB.toFixed(2).padStart(19)} ${String(t.peakMiB).padStart(10)}   ${t.matches ? "matches" : "DIFFERS"}`,
    );
  }
  for (const t of tus) {
    console.log(`  ${round(t.bytes / MiB, 0)} MiB: last PATCH (joins the parts, takes the digest) ${t.lastPatchS} s; slowest other 64 MiB PATCH ${t.slowestOtherPatchS} s`);
  }

  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    "bench/results/upload.json",
    JSON.stringify({ at: new Date().toISOString(), bytes: SIZE, node, worker: { ...worker, cpuSPerGiB: round(cpu / (SIZE / 1024 ** 3)) }, chunked: { ...chunked, cpuSPerGiB: round(chunkedCpu / (SIZE / 1024 ** 3)) }, peakMiB: memory, expected, tus }, null, 2),
  );
  console.log("written to bench/results/upload.json");
  peer.close();
  if (worker.answer.sha256 !== expected || chunked.answer.sha256 !== expected || node.answer.sha256 !== expected || tus.some((t) => !t.matches)) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
