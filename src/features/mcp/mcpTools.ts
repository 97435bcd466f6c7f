import { chatTool } from "./chatTool";
import { conformanceTools } from "./conformanceTools";
import { countdownTool } from "./countdownTool";
import type { McpTool } from "./McpTool";
import type { McpConfig } from "./mcpSettings";

/** The tools this server offers. Add yours here: a `mcpTool({...})` in its own file, like countdownTool.ts. */
const tools: McpTool[] = [chatTool, countdownTool];

/** The tools served under these settings, by name. */
export function mcpTools(config: Pick<McpConfig, "conformanceTools">): Map<string, McpTool> {
  return new Map((config.conformanceTools ? [...tools, ...conformanceTools] : tools).map((tool) => [tool.name, tool]));
}
