// What the edge would load at a cold start: the Worker as `wrangler deploy` uploads it, measured without deploying.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The upload's size and gzipped size in KiB, as `wrangler deploy --dry-run` reports them; `args` picks the config. */
export async function bundleSize(args: string[] = []): Promise<{ kib: number; gzipKiB: number }> {
  const outdir = mkdtempSync(join(tmpdir(), "edge-streams-bundle-"));
  const { stdout, stderr } = await run(join("node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir, ...args]);
  const total = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(stdout + stderr);
  if (!total) throw new Error(`wrangler deploy --dry-run printed no size:\n${stdout}${stderr}`);
  return { kib: Number(total[1]), gzipKiB: Number(total[2]) };
}
