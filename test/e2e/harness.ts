import { createTestHarness, type TestHarness } from "wrangler";
import { afterAll, beforeAll } from "vitest";

/** The running Worker of a test file: filled in by `beforeAll`. */
export interface ServedWorker {
  server: TestHarness;
  url: URL;
}

/** Test-only vars and secrets for the Worker; a function when they depend on something started in a beforeAll. */
type Overrides = { vars?: Record<string, string>; secrets?: Record<string, string> };

/**
 * Serves the Worker for the tests of one file with wrangler's test harness, on a real 127.0.0.1 socket and a port
 * the harness picks itself; closed after them. ALLOW_ANONYMOUS is true, as `npm start` has it, unless `vars` says.
 */
export function useWorker(overrides: Overrides | (() => Overrides) = {}): ServedWorker {
  const worker = {} as ServedWorker;
  beforeAll(async () => {
    const { vars, secrets } = typeof overrides === "function" ? overrides() : overrides;
    worker.server = createTestHarness({ workers: [{ configPath: "./wrangler.toml", vars: { ALLOW_ANONYMOUS: "true", ...vars }, secrets }] });
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
