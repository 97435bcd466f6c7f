import { booleanVar, integerVar, settingsGroup } from "../../settings";

/** How /mcp behaves, from MCP_* vars. */
export interface McpConfig {
  /** A session unused this long ends; its id is then a 404 and the client initializes again. */
  sessionIdleMs: number;
  /** A tools/call stream is closed on purpose this long after it opens, the client resuming by GET (SEP-1699); 0: never. */
  pollMs: number;
  /** The conformance suite's fixture tools (test_simple_text, …) are listed and callable: for tests only. */
  conformanceTools: boolean;
}

/** MCP_SESSION_IDLE_SECONDS (default a day), MCP_POLL_SECONDS (default 0, never), MCP_CONFORMANCE_TOOLS (default false). */
export const mcpSettings = settingsGroup(
  (env): McpConfig => ({
    sessionIdleMs: integerVar(env, "MCP_SESSION_IDLE_SECONDS", 60, 30 * 86_400, 86_400) * 1000,
    pollMs: integerVar(env, "MCP_POLL_SECONDS", 0, 3600, 0) * 1000,
    conformanceTools: booleanVar(env, "MCP_CONFORMANCE_TOOLS", false),
  }),
);
