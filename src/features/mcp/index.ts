import { route, type Feature } from "../../app/Feature";
import { deleteMcp, getMcp, postMcp } from "./mcp";
import { mcpFraming } from "./mcpFraming";
import { durableToolCall } from "./toolCallProducer";

/** MCP over Streamable HTTP: tools whose calls are durable streams, resumed with Last-Event-ID. */
export default {
  name: "mcp",
  routes: [route("POST", "/mcp", postMcp), route("GET", "/mcp", getMcp), route("DELETE", "/mcp", deleteMcp)],
  producers: [durableToolCall],
  framings: [mcpFraming],
} satisfies Feature;
