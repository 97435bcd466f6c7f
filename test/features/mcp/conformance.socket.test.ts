import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { useWranglerDev } from "../../e2e/wranglerDev";

// `npm start` as it is, plus the suite's fixture tools.
const worker = useWranglerDev(() => ({ MCP_CONFORMANCE_TOOLS: "true" }));

// The server scenarios this endpoint must pass (docs/mcp.md lists them).
const SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "tools-call-simple-text",
  "tools-call-error",
  "tools-call-with-logging",
  "tools-call-with-progress",
  "server-sse-multiple-streams",
  "server-sse-polling",
  "dns-rebinding-protection",
];

const cli = join("test", "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");

/** One scenario through the suite's own CLI, as its README runs it: its summary and its exit code. */
async function scenario(name: string): Promise<{ name: string; code: number; summary: string }> {
  const run = promisify(execFile)(process.execPath, [cli, "server", "--url", new URL("/mcp", worker.url).href, "--scenario", name], { timeout: 60_000 });
  const { stdout, code } = await run.then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? "", code: error.code ?? 1 }),
  );
  const summary = /Passed: .*/.exec(stdout.replace(/\x1b\[[0-9;]*m/g, ""))?.[0] ?? stdout;
  return { name, code, summary };
}

describe("MCP's conformance suite against `npm start`", () => {
  it("passes every server scenario listed, with no failure or warning", async () => {
    const results = await Promise.all(SCENARIOS.map(scenario));
    for (const { name, code, summary } of results) {
      expect({ name, code, summary }).toEqual({ name, code: 0, summary: expect.stringMatching(/^Passed: (\d+)\/\1, 0 failed, 0 warnings$/) });
    }
  }, 90_000);

  it("the SDK's client streams the chat tool's answer over the socket", async () => {
    const client = new Client({ name: "socket", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", worker.url)));
    const messages: string[] = [];
    const result = await client.callTool({ name: "chat", arguments: { prompt: "over the wire" } }, undefined, { onprogress: (p) => messages.push(p.message!) });
    expect(messages.length).toBeGreaterThan(3);
    expect(result.content).toEqual([{ type: "text", text: messages.at(-1) }]);
    await client.close();
  });
});
