import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/** A `wrangler dev` child serving the Worker, as `npm start` does. */
export interface DevWorker {
  url: URL;
  /** Everything the child printed so far. */
  output: string;
  /** The `wrangler dev` process; workerd runs below it. */
  pid: number;
}

/**
 * Runs `wrangler dev` for the tests of one file, on 127.0.0.1 with a port it picks (`--port 0`). Used where the test
 * harness differs from the real runtime: under createTestHarness a Worker's subrequest stays open after the Worker
 * aborts or cancels it, while under `wrangler dev` (and on the edge) the upstream sees its socket close.
 */
export function useWranglerDev(vars: () => Record<string, string>): DevWorker {
  const worker = { output: "" } as DevWorker;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    const args = ["dev", "--ip", "127.0.0.1", "--port", "0", "--inspector-port", "0", "--show-interactive-dev-session=false"];
    // ALLOW_ANONYMOUS as `npm start` passes it, unless the test says otherwise.
    for (const [name, value] of Object.entries({ ALLOW_ANONYMOUS: "true", ...vars() })) args.push("--var", `${name}:${value}`);
    args.push("--persist-to", mkdtempSync(join(tmpdir(), "edge-streams-")));
    child = spawn(join("node_modules", ".bin", "wrangler"), args, { stdio: ["ignore", "pipe", "pipe"] });
    worker.pid = child.pid!;
    worker.url = await new Promise<URL>((resolve, reject) => {
      const read = (data: Buffer) => {
        worker.output += data;
        const ready = /Ready on (http:\/\/\S+)/.exec(worker.output);
        if (ready) resolve(new URL(ready[1]!));
      };
      child!.stdout!.on("data", read);
      child!.stderr!.on("data", read);
      child!.on("exit", (code) => reject(new Error(`wrangler dev exited with ${code}:\n${worker.output}`)));
    });
  }, 60_000);
  afterAll(() => void child?.kill());
  return worker;
}
