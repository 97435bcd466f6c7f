import * as z from "zod";
import type { LLMConfig } from "../../model/modelSettings";
import type { StreamContext } from "../../streams/runProducer";
import type { LogLevel } from "./McpSession";

/** A tool's answer: MCP's CallToolResult. `isError: true` is a failure the model should see, not a protocol error. */
export interface ToolResult {
  content: ({ type: "text"; text: string } | { type: "image"; data: string; mimeType: string })[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** What a running tool is given. */
export interface ToolCall {
  /** Fires when the call is cancelled (`notifications/cancelled`, DELETE of the session, or no reader for too long). */
  signal: AbortSignal;
  /** `notifications/progress`, sent only when the client asked for progress (a `progressToken`). */
  progress(progress: number, total?: number, message?: string): void;
  /** `notifications/message`, sent only at or above the level the client set. */
  log(level: LogLevel, data: unknown): void;
  /** The stream the call runs in, for the shared model pipeline (`ModelAnswer` reports its usage at its end). */
  context: StreamContext;
  /** The model settings of the Worker that admitted the call, when the tool says it `usesModel`. */
  model: LLMConfig | undefined;
  /** The bindings of the Durable Object running the call. */
  env: Env;
}

/**
 * One tool: its name, what tools/list shows, the arguments it takes (checked before the call starts: a bad one is
 * JSON-RPC's invalid params), and what it does. Its calls run as durable streams: `run` may take minutes, sending
 * progress and log messages, and the client may drop and resume without losing any.
 */
export interface McpTool<A = unknown> {
  name: string;
  title?: string;
  description: string;
  input: z.ZodType<A>;
  /** The call needs the model settings (`ToolCall.model`). */
  usesModel?: boolean;
  /** Close the POST stream this long after its first event, whatever MCP_POLL_SECONDS says (the suite's reconnection test). */
  pollMs?: number;
  run(args: A, call: ToolCall): Promise<ToolResult>;
}

/** Declares a tool, its arguments' type taken from its schema. */
export function mcpTool<A>(tool: McpTool<A>): McpTool {
  return tool as McpTool;
}

/** A result of one text part. */
export function textResult(text: string, isError?: boolean): ToolResult {
  return isError ? { content: [{ type: "text", text }], isError } : { content: [{ type: "text", text }] };
}

/** What tools/list says of a tool: its input schema as JSON Schema, from the zod schema that checks it. */
export function describeTool(tool: McpTool): Record<string, unknown> {
  const { $schema: _, ...inputSchema } = z.toJSONSchema(tool.input, { io: "input" }) as Record<string, unknown>;
  return { name: tool.name, ...(tool.title ? { title: tool.title } : {}), description: tool.description, inputSchema };
}
