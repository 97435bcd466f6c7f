import * as z from "zod";
import { sleep } from "../../streams/sleep";
import { mcpTool, textResult, type McpTool } from "./McpTool";

const none = z.object({});

/**
 * The fixture tools the MCP conformance suite calls (`@modelcontextprotocol/conformance`), as its scenarios describe
 * them. Served only with MCP_CONFORMANCE_TOOLS=true: a test setting.
 */
export const conformanceTools: McpTool[] = [
  mcpTool({
    name: "test_simple_text",
    description: "Returns a simple text response (conformance fixture).",
    input: none,
    run: async () => textResult("This is a simple text response for testing."),
  }),
  mcpTool({
    name: "test_error_handling",
    description: "Always fails, as a tool error the model sees (conformance fixture).",
    input: none,
    run: async () => textResult("This tool intentionally returns an error for testing", true),
  }),
  mcpTool({
    name: "test_tool_with_logging",
    description: "Sends three log messages 50 ms apart (conformance fixture).",
    input: none,
    async run(_, call) {
      call.log("info", "Tool execution started");
      await sleep(50, call.signal);
      call.log("info", "Tool processing data");
      await sleep(50, call.signal);
      call.log("info", "Tool execution completed");
      return textResult("Logging test completed.");
    },
  }),
  mcpTool({
    name: "test_tool_with_progress",
    description: "Reports progress 0, 50 and 100 of 100, 50 ms apart (conformance fixture).",
    input: none,
    async run(_, call) {
      call.progress(0, 100);
      await sleep(50, call.signal);
      call.progress(50, 100);
      await sleep(50, call.signal);
      call.progress(100, 100);
      return textResult("Progress test completed.");
    },
  }),
  mcpTool({
    name: "test_reconnection",
    description: "Closes its stream after the priming event and answers later, on the resumed stream (conformance fixture, SEP-1699).",
    input: none,
    pollMs: 0,
    async run(_, call) {
      await sleep(200, call.signal);
      return textResult("Reconnection test completed.");
    },
  }),
];
