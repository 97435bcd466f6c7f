import { createTestHarness, type TestHarness } from "wrangler";
import { afterAll, beforeAll } from "vitest";

/** The running Worker of a test file: filled in by `beforeAll`. */
export interface ServedWorker {
  server: TestHarness;
  url: URL;
}

/**
 * Serves the Worker for the tests of one file with wrangler's test harness, on a real 127.0.0.1 socket and a port
 * the harness picks itself; closed after them.
 */
export function useWorker(vars: Record<string, string> = {}): ServedWorker {
  const worker = {} as ServedWorker;
  beforeAll(async () => {
    worker.server = createTestHarness({ workers: [{ configPath: "./wrangler.toml", vars }] });
    worker.url = (await worker.server.listen()).url;
  });
  afterAll(() => worker.server?.close());
  return worker;
}

/** The Worker's "stream ended" log lines, parsed. */
export function streamLogs(server: TestHarness): Record<string, unknown>[] {
  return server
    .getLogs()
    .filter((log) => log.message.includes('"stream ended"'))
    .map((log) => JSON.parse(log.message.slice(log.message.indexOf("{"))));
}
