import type { LLMConfig } from "../../model/modelSettings";
import { durableProducer } from "../../streams/durable/DurableStream";
import { asHttpError } from "../../streams/HttpError";
import type { StreamContext } from "../../streams/runProducer";
import { notification, result, type RequestId } from "./jsonRpc";
import { LOG_LEVELS, type LogLevel } from "./McpSession";
import { textResult, type ToolCall } from "./McpTool";
import { PRIMING } from "./mcpFraming";
import { mcpTools } from "./mcpTools";

/** One tools/call, as the Worker admitted it: the tool, its checked arguments, and what the client asked for. */
export interface CallInput {
  tool: string;
  args: unknown;
  requestId: RequestId;
  /** Given: the client wants `notifications/progress` under it. */
  progressToken?: string | number;
  /** The session's `logging/setLevel`; unset, info and above. */
  level?: LogLevel;
  model?: LLMConfig;
  conformanceTools: boolean;
}

/**
 * A tools/call's stream: the priming event, then the tool's progress and log notifications as it sends them, and its
 * JSON-RPC response as the end record. A tool that throws answers with an `isError` result, as MCP asks, so the model
 * sees what went wrong; a cancelled call stops here and answers nothing.
 */
export async function toolCallProducer(input: CallInput, context: StreamContext, env: Env): Promise<unknown> {
  const { signal, send } = context;
  send(PRIMING);
  const tool = mcpTools(input).get(input.tool)!;
  const least = LOG_LEVELS.indexOf(input.level ?? "info");
  const token = input.progressToken;
  const call: ToolCall = {
    signal,
    context,
    model: input.model,
    env,
    progress(progress, total, message) {
      if (token === undefined) return;
      send(notification("notifications/progress", { progressToken: token, progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) }));
    },
    log(level, data) {
      if (LOG_LEVELS.indexOf(level) >= least) send(notification("notifications/message", { level, logger: tool.name, data }));
    },
  };
  try {
    return result(input.requestId, await tool.run(input.args, call));
  } catch (error) {
    if (signal.aborted) throw error;
    return result(input.requestId, textResult(asHttpError(error).message, true));
  }
}

/** The tools/call producer as a durable stream runs it. */
export const durableToolCall = durableProducer<CallInput, Env>("mcpToolCall", toolCallProducer);
