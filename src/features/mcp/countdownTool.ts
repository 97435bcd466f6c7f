import * as z from "zod";
import { sleep } from "../../streams/sleep";
import { mcpTool, textResult } from "./McpTool";

/**
 * `countdown`: the shape of a long job to copy. It takes minutes if asked, reports `progress` of a known `total` with a
 * message at every step and logs as it goes; the client may drop and resume the call's stream (or the server close it,
 * MCP_POLL_SECONDS) and still gets every step once. Cancelling the call stops it between two steps.
 */
export const countdownTool = mcpTool({
  name: "countdown",
  title: "Count down",
  description: "Counts down from `seconds` to zero, one progress notification a second, then answers.",
  input: z.object({
    seconds: z.number().int().min(1).max(600).describe("How many seconds to count down, 1 to 600"),
    intervalMs: z.number().int().min(10).max(1000).optional().describe("Milliseconds a step takes (default 1000)"),
  }),
  async run({ seconds, intervalMs = 1000 }, call) {
    call.log("info", `countdown from ${seconds}`);
    for (let left = seconds; left > 0; left--) {
      call.progress(seconds - left, seconds, `${left} s left`);
      await sleep(intervalMs, call.signal);
    }
    call.progress(seconds, seconds, "done");
    call.log("info", "countdown finished");
    return textResult(`Counted down from ${seconds}.`);
  },
});
