import type { IRequest } from "itty-router";
import { durable } from "../../durable/streams";
import { rateLimit } from "../../http/rateLimit";
import { readJSON } from "../../http/readJSON";
import { requireToken } from "../../http/requireToken";
import { chatBodyLimit } from "../../model/admitChat";
import { describeIssue } from "../../model/chatParams";
import { modelSettings } from "../../model/modelSettings";
import { badConfig, settings } from "../../settings";
import { HttpError } from "../../streams/HttpError";
import { durableResponse, readAt } from "../../streams/durable/durableResponse";
import { newStreamId, parseEventId } from "../../streams/durable/streamId";
import { runWhole } from "../../streams/runWhole";
import { sleep } from "../../streams/sleep";
import { streamResponse } from "../../streams/streamResponse";
import { checkOrigin } from "./checkOrigin";
import { closeAfter } from "./closeAfter";
import { INVALID_PARAMS, INVALID_REQUEST, isRequestId, METHOD_NOT_FOUND, PARSE_ERROR, parseMessage, result, RpcError, SERVER_ERROR, type ClientMessage, type RequestId } from "./jsonRpc";
import { LOG_LEVELS, type LogLevel, type SessionState } from "./McpSession";
import { describeTool } from "./McpTool";
import { mcpFraming, PRIMING } from "./mcpFraming";
import { mcpSettings } from "./mcpSettings";
import { mcpTools } from "./mcpTools";
import { durableToolCall, toolCallProducer, type CallInput } from "./toolCallProducer";
import { withRpcErrors } from "./rpcErrors";

/** The protocol versions spoken, newest first: 2025-03-26 too, which clients still send in MCP-Protocol-Version. */
const VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"];
const ENDPOINT = "/mcp";
// Shaped as a stream id: 16 random bytes, base64url. Anything else is no session of ours, asked of no object.
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;
const SERVER_INFO = { name: "edge-streams", version: "0.1.0" };

/**
 * POST /mcp: one JSON-RPC message. A request is answered with JSON, except tools/call, which is answered with an SSE
 * stream (the call's progress and log notifications, then its result) when the client accepts one; a notification or
 * a response with 202.
 */
export const postMcp = withRpcErrors(async (request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> => {
  const model = await admit(request, env);
  if (!accepts(request, "application/json")) throw new RpcError(INVALID_REQUEST, "Not Acceptable: Accept must include application/json and text/event-stream", 406);
  const message = await readMessage(request, chatBodyLimit(model));
  if (message.kind === "response") return accepted();
  if (message.kind === "request" && message.method === "initialize") return initialize(request, env, message.id, message.params);
  const sessionId = sessionOf(request);
  if (message.kind === "notification") {
    await sessionState(env, sessionId);
    if (message.method === "notifications/cancelled") await cancelCall(env, sessionId, message.params.requestId);
    return accepted();
  }
  const { id, method, params } = message;
  switch (method) {
    case "ping":
      await sessionState(env, sessionId);
      return json(result(id, {}));
    case "tools/list":
      await sessionState(env, sessionId);
      return json(result(id, { tools: [...mcpTools(mcpSettings(env)).values()].map(describeTool) }));
    case "logging/setLevel":
      return setLevel(env, sessionId, id, params.level);
    case "tools/call":
      return callTool(request, env, ctx, sessionId, id, params);
    default:
      await sessionState(env, sessionId);
      throw new RpcError(METHOD_NOT_FOUND, `Method not found: ${method}`, 200, id);
  }
});

/**
 * GET /mcp: with `Last-Event-ID`, a tools/call stream resumed after that event (the rest of its notifications, then its
 * result, each once); without, the session's stream of server messages, held open with heartbeats until the session
 * ends.
 */
export const getMcp = withRpcErrors(async (request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> => {
  await admit(request, env);
  if (!accepts(request, "text/event-stream")) throw new RpcError(INVALID_REQUEST, "Not Acceptable: Accept must include text/event-stream", 406);
  const sessionId = sessionOf(request);
  await sessionState(env, sessionId);
  const lastEventId = request.headers.get("last-event-id");
  if (lastEventId !== null) {
    const at = parseEventId(lastEventId);
    if (!at) throw new RpcError(INVALID_REQUEST, "Bad Request: Last-Event-ID is not an event of this server's", 400);
    return readAt(durable(env).streams, at.streamId, { after: at.seq }, mcpFraming, ENDPOINT);
  }
  const heartbeatMs = settings(env).heartbeatMs;
  return streamResponse(request, { route: request.route, format: mcpFraming, heartbeatMs, ctx }, async ({ signal, send }) => {
    // This server sends nothing unasked: the stream stays open for clients that listen, and ends with the session.
    send(PRIMING);
    do await sleep(heartbeatMs, signal);
    while (await useSession(env, sessionId));
  });
});

/** DELETE /mcp: ends the session; its calls still running are stopped. */
export const deleteMcp = withRpcErrors(async (request: IRequest, env: Env): Promise<Response> => {
  await admit(request, env);
  const calls = await sessions(env).getByName(sessionOf(request)).close();
  if (!calls) throw sessionNotFound();
  const streams = durable(env).streams;
  await Promise.all(calls.map((streamId) => streams.getByName(streamId).stop()));
  return new Response(null, { status: 204 });
});

/** Every method's first checks: Origin (DNS rebinding), the token, the protocol version the client says it speaks. */
async function admit(request: Request, env: Env) {
  checkOrigin(request, env);
  const model = modelSettings(env);
  // The chat tool spends a real key's money: then the endpoint is closed without API_TOKEN unless ALLOW_ANONYMOUS.
  await requireToken(request, env, { guarded: model.apiKey !== undefined });
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && !VERSIONS.includes(version)) {
    throw new RpcError(INVALID_REQUEST, `Bad Request: unsupported MCP-Protocol-Version ${version}; this server speaks ${VERSIONS.join(", ")}`, 400);
  }
  return model;
}

/** initialize: a new session, in the version the client asked for when it is spoken here, else the newest. */
async function initialize(request: Request, env: Env, id: RequestId, params: Record<string, unknown>): Promise<Response> {
  if (request.headers.has("mcp-session-id")) throw new RpcError(INVALID_REQUEST, "Bad Request: initialize opens a session; send it without Mcp-Session-Id", 400, id);
  const asked = params.protocolVersion;
  if (typeof asked !== "string") throw new RpcError(INVALID_PARAMS, "Invalid params: protocolVersion must be a string", 200, id);
  // A session is a stored object: counted against the client's rate limit, as a tool call is.
  await rateLimit(env, request);
  const protocolVersion = VERSIONS.includes(asked) ? asked : VERSIONS[0]!;
  const sessionId = newStreamId();
  await sessions(env).getByName(sessionId).open({ protocolVersion }, mcpSettings(env).sessionIdleMs);
  const body = result(id, { protocolVersion, capabilities: { tools: { listChanged: false }, logging: {} }, serverInfo: SERVER_INFO });
  return json(body, { "mcp-session-id": sessionId });
}

/** tools/call: checked, then run as a durable stream (SSE) or, for a client that takes only JSON, whole. */
async function callTool(request: Request, env: Env, ctx: ExecutionContext, sessionId: string, id: RequestId, params: Record<string, unknown>): Promise<Response> {
  const config = mcpSettings(env);
  const tool = typeof params.name === "string" ? mcpTools(config).get(params.name) : undefined;
  if (!tool) throw new RpcError(INVALID_PARAMS, `Invalid params: unknown tool ${JSON.stringify(params.name)}`, 200, id);
  const checked = tool.input.safeParse(params.arguments ?? {});
  if (!checked.success) throw new RpcError(INVALID_PARAMS, `Invalid params: ${tool.name} arguments: ${describeIssue(checked.error.issues[0]!)}`, 200, id);
  const progressToken = (params._meta as { progressToken?: unknown } | undefined)?.progressToken;
  if (progressToken !== undefined && !isRequestId(progressToken)) throw new RpcError(INVALID_PARAMS, "Invalid params: _meta.progressToken must be an integer or a string of at most 256 characters", 200, id);
  await rateLimit(env, request);
  const streamId = newStreamId();
  // Only a streamed call is a durable stream that notifications/cancelled may stop: only it is recorded in the session.
  const streamed = accepts(request, "text/event-stream");
  const state = await sessionState(env, sessionId, streamed ? { requestId: id, streamId } : undefined);
  const input: CallInput = {
    tool: tool.name,
    args: checked.data,
    requestId: id,
    progressToken,
    level: state.level,
    model: tool.usesModel ? modelSettings(env) : undefined,
    conformanceTools: config.conformanceTools,
  };
  const route = `${ENDPOINT} tools/call`;
  if (!streamed) return json(await runWhole(request, route, (context) => toolCallProducer(input, context, env)));
  const { streams, limits } = durable(env);
  const heartbeatMs = settings(env).heartbeatMs;
  const response = await durableResponse(request, streams, {
    route,
    format: mcpFraming,
    heartbeatMs,
    limits,
    producer: durableToolCall,
    input,
    keep: { requestId: id },
    location: () => ENDPOINT,
    streamId,
  });
  const pollMs = tool.pollMs ?? (config.pollMs || undefined);
  if (pollMs === undefined || !response.body) return response;
  return new Response(closeAfter(response.body, pollMs), response);
}

async function setLevel(env: Env, sessionId: string, id: RequestId, level: unknown): Promise<Response> {
  if (!LOG_LEVELS.includes(level as LogLevel)) throw new RpcError(INVALID_PARAMS, `Invalid params: level must be one of ${LOG_LEVELS.join(", ")}`, 200, id);
  if (!(await sessions(env).getByName(sessionId).setLevel(level as LogLevel))) throw sessionNotFound();
  return json(result(id, {}));
}

/** notifications/cancelled: the call's stream is stopped, the model with it; a call not found is let be, as MCP says. */
async function cancelCall(env: Env, sessionId: string, requestId: unknown): Promise<void> {
  if (!isRequestId(requestId)) return;
  const streamId = await sessions(env).getByName(sessionId).callStream(requestId);
  if (streamId) await durable(env).streams.getByName(streamId).stop();
}

function sessions(env: Env) {
  if (!env.MCP_SESSIONS) throw badConfig("MCP_SESSIONS is not bound: wrangler.toml binds it to the McpSession class");
  return env.MCP_SESSIONS;
}

function useSession(env: Env, sessionId: string, call?: { requestId: RequestId; streamId: string }): Promise<SessionState | undefined> {
  return sessions(env).getByName(sessionId).use(call);
}

async function sessionState(env: Env, sessionId: string, call?: { requestId: RequestId; streamId: string }): Promise<SessionState> {
  const state = await useSession(env, sessionId, call);
  if (!state) throw sessionNotFound();
  return state;
}

function sessionOf(request: Request): string {
  const id = request.headers.get("mcp-session-id");
  if (id === null) throw new RpcError(INVALID_REQUEST, "Bad Request: Mcp-Session-Id is required; send initialize first", 400);
  if (!SESSION_ID.test(id)) throw sessionNotFound();
  return id;
}

function sessionNotFound(): RpcError {
  return new RpcError(SERVER_ERROR, "Session not found: it ended or expired; send initialize for a new one", 404);
}

async function readMessage(request: Request, maxBytes: number): Promise<ClientMessage> {
  let body: unknown;
  try {
    body = await readJSON(request, maxBytes);
  } catch (error) {
    if (error instanceof HttpError && error.code === "bad_json") throw new RpcError(PARSE_ERROR, "Parse error: the body is not valid JSON", 400);
    throw error;
  }
  return parseMessage(body);
}

/** Whether Accept takes this media type: named, or by `*\/*` or `type/*`, with q above 0; no Accept takes anything. */
function accepts(request: Request, type: string): boolean {
  const accept = request.headers.get("accept");
  if (accept === null) return true;
  const wildcard = `${type.split("/")[0]}/*`;
  return accept.split(",").some((range) => {
    const [name = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith("q="));
    return (name === type || name === "*/*" || name === wildcard) && (q === undefined || Number(q.slice(2)) > 0);
  });
}

function json(body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { headers });
}

function accepted(): Response {
  return new Response(null, { status: 202 });
}
