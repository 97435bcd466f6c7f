import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { workerFetch } from "../../support/callWorker";

/** The MCP SDK's client, connected to the Worker's /mcp through `fetch` (by default the Worker's handler, with `vars`). */
export async function mcpClient(vars: Partial<Env> = {}, fetch: typeof globalThis.fetch = workerFetch(vars)) {
  const client = new Client({ name: "edge-streams-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("http://worker/mcp"), {
    fetch,
    // Reconnections come at once: a test waits on the stream, not on a backoff.
    reconnectionOptions: { initialReconnectionDelay: 10, maxReconnectionDelay: 50, reconnectionDelayGrowFactor: 1, maxRetries: 3 },
  });
  await client.connect(transport);
  return { client, transport };
}
