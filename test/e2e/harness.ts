import { createTestHarness, type TestHarness } from "wrangler";

/** The Worker served by wrangler's test harness on a real 127.0.0.1 socket, with a port it picks itself. */
export async function startWorker(vars: Record<string, string> = {}): Promise<{ server: TestHarness; url: URL }> {
  const server = createTestHarness({ workers: [{ configPath: "./wrangler.toml", vars }] });
  const { url } = await server.listen();
  return { server, url };
}

/** The Worker's "stream ended" log lines, parsed. */
export function streamLogs(server: TestHarness): Record<string, unknown>[] {
  return server
    .getLogs()
    .filter((log) => log.message.includes('"stream ended"'))
    .map((log) => JSON.parse(log.message.slice(log.message.indexOf("{"))));
}
