import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeToolArguments } from "../support/fakeToolCall";

/** What the fake saw of one request, for tests to check. */
export interface SeenRequest {
  id: number;
  path: string;
  /** The `@<tag>` the base URL began with, if any: whose test asked. */
  tag: string | undefined;
  authorization: string | undefined;
  /** An Anthropic client's headers: its key, API version and betas. */
  anthropic: { apiKey?: string; version?: string; beta?: string };
  body: unknown;
  tokensSent: number;
  /** Epoch ms when the client closed the connection before the answer was complete; null while it has not. */
  abortedAt: number | null;
}

export interface FakeOpenAI {
  /** Base URL for a mode: `${url}/<mode>/v1`. */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 with fault modes, chosen by the first path segment of
 * the base URL: `[/@<tag>]/<mode>[-<paceMs>[-<tokens>]]/v1/chat/completions`. Tokens are `t1 t2 …` unless `stamp` mode,
 * where each token is the epoch ms it was sent (to the µs) and the request's max_tokens sets how many: the benchmark
 * (with `tools` in the request, the stamps are a tool call's argument fragments).
 *
 * Modes: ok, stamp, 400, 401, 403, 429 (Retry-After: 7), 500, midstream (an error payload after 2 tokens),
 * malformed (bad JSON after 2 tokens), nodone (ends without `data: [DONE]`), stall (never answers),
 * stallmid (2 tokens, then silence), keepalive (SSE comments every 50 ms and never a token), wide (tokens of
 * three-byte characters: `漢字漢字<n> `); and the shapes of `script`: tools, parallel, cuttool, noindex, emptytools,
 * numcontent, comments, reasoning, reasoningcontent, refusal, logprobs, finish_<reason>; agent (a tool call, then text
 * once the request carries the tool's result). `POST …/responses` answers in the Responses API's events
 * (`responsesScript`), `POST …/messages` in Anthropic's (`messagesScript`: ok, tools, thinking, midstream, nodone).
 * `GET /_requests` returns what it saw; `GET /_requests?tag=<tag>` what it saw under base URLs with that tag.
 */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    // A test file's requests only, when it asks by its tag: files running at once share this server.
    if (req.url?.startsWith("/_requests")) {
      const tag = new URL(req.url, "http://fake").searchParams.get("tag");
      return void res.end(JSON.stringify(tag === null ? requests : requests.filter((seen) => seen.tag === tag)));
    }
    void answer(req, res, requests);
  });
  // The benchmark opens a thousand streams at once: a deep accept queue. And idle connections are kept longer than
  // the Worker's pool keeps them: with Node's 5 s default, the server closed pooled connections as workerd reused
  // them, and those requests failed with "Network connection lost" (0, 0, 2, 71 of 1,000 in four rounds here).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, requests: SeenRequest[]) {
  const [, tag, spec = "", rest = ""] = /^(?:\/@([^/]+))?\/([^/]+)\/v1\/(.*)$/.exec(req.url ?? "") ?? [];
  const [mode = "ok", pace = "5", count = "5"] = spec.split("-");
  const paceMs = Number(pace);
  let body: { model?: string; stream?: boolean; max_tokens?: number; max_output_tokens?: number; tools?: unknown[] } = {};
  try {
    body = JSON.parse(await text(req));
  } catch {
    // A GET, or a body that is not JSON: the fields below stay unset.
  }
  const seen: SeenRequest = {
    id: requests.length,
    path: req.url ?? "",
    tag,
    authorization: req.headers.authorization,
    anthropic: { apiKey: req.headers["x-api-key"] as string | undefined, version: req.headers["anthropic-version"] as string | undefined, beta: req.headers["anthropic-beta"] as string | undefined },
    body,
    tokensSent: 0,
    abortedAt: null,
  };
  requests.push(seen);
  res.on("close", () => {
    if (!res.writableFinished) seen.abortedAt = Date.now();
  });

  // A stored response, as GET /responses/{id} gives it: `count` tokens of input and as many of output.
  if (req.method === "GET" && /^responses\/resp_[\w-]+$/.test(rest)) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ id: rest.slice("responses/".length), object: "response", status: "completed", usage: { input_tokens: Number(count), output_tokens: Number(count), total_tokens: 2 * Number(count) } }));
  }
  if (rest !== "chat/completions" && rest !== "responses" && rest !== "messages") return error(res, 404, "not found");
  if (mode === "stall") return; // headers never come
  const status = Number(mode);
  if (status === 429) res.setHeader("retry-after", "7");
  // The real API's 401 quotes part of the key: the Worker must not pass this on.
  if (status === 401) return error(res, 401, `Incorrect API key provided: ${req.headers.authorization}`);
  if (status >= 400) return error(res, status, `upstream says ${status}`);

  res.writeHead(200, { "content-type": "text/event-stream" });
  res.socket?.setNoDelay(true);
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
    `data: ${JSON.stringify({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: 0,
      model: body.model ?? "fake",
      choices: [{ index: 0, delta, finish_reason: finish, ...extra }],
    })}\n\n`;
  if (mode === "keepalive") {
    res.write(chunk({ role: "assistant", content: "" }));
    const timer = setInterval(() => res.write(": keepalive\n\n"), 50);
    return void res.on("close", () => clearInterval(timer));
  }
  const tokens = mode === "stamp" && (body.max_tokens || body.max_output_tokens) ? (body.max_tokens || body.max_output_tokens)! : Number(count);
  // An agent's turn: a tool call, then text once the request carries the tool's result.
  const agentMode = mode === "agent" ? (JSON.stringify(body).includes('"role":"tool"') || JSON.stringify(body).includes("function_call_output") ? "ok" : "tools") : mode;
  // The benchmark's tool-call stream: stamps as argument fragments when the request carries tools.
  const frames = rest === "responses"
    ? responsesScript(agentMode, tokens, body.model ?? "fake")
    : rest === "messages"
    ? messagesScript(mode, tokens, body.model ?? "fake")
    : script(mode === "stamp" && body.tools ? "stamptools" : agentMode, tokens, chunk);
  for (let n = 0; n < frames.length; n++) {
    // The role and first token at once, then one frame per pace; the end right after the last.
    if (n > 1 && n < frames.length - 1) await new Promise((resolve) => setTimeout(resolve, paceMs));
    if (seen.abortedAt !== null) return;
    const frame = frames[n]!;
    if (frame === STALL) return;
    if (frame === CUT) return void res.end();
    res.write(typeof frame === "function" ? frame() : frame);
    seen.tokensSent = Math.min(n, tokens);
  }
  res.end();
}

const STALL = Symbol("stall: send nothing more, keep the connection open");
const CUT = Symbol("cut: end the response here");
type Frame = string | (() => string) | typeof STALL | typeof CUT;
type Chunk = (delta: object, finish?: string | null, extra?: object) => string;

/** What each mode sends, frame by frame: the shapes real upstreams were seen to send. */
function script(mode: string, tokens: number, chunk: Chunk): Frame[] {
  const text = (n: number) => (mode === "wide" ? `漢字漢字${n} ` : `t${n} `);
  const range = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
  const usage = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1 } })}\n\n`;
  const end = (finish: string): Frame[] => [chunk({}, finish) + usage + (mode === "nodone" ? "" : "data: [DONE]\n\n")];
  const toolStart = (call: number, id = `call_${call}`) =>
    chunk({ ...(call === 0 ? { role: "assistant", content: null } : {}), tool_calls: [{ index: call, id, type: "function", function: { name: "get_weather", arguments: "" } }] });
  const toolFragments = (call: number) => fakeToolArguments(tokens, call).map((piece) => chunk({ tool_calls: [{ index: call, function: { arguments: piece } }] }));
  const role = chunk({ role: "assistant", content: "" });
  if (mode === "tools") return [toolStart(0), ...toolFragments(0), ...end("tool_calls")];
  if (mode === "parallel") return [toolStart(0), ...toolFragments(0), toolStart(1), ...toolFragments(1), ...end("tool_calls")];
  if (mode === "cuttool") return [toolStart(0), ...toolFragments(0).slice(0, 2), CUT];
  // Ollama and Gemini's compatible API: each call whole in one delta, with an id and no index.
  if (mode === "noindex") {
    const whole = (call: number) => ({ id: `call_${call}`, type: "function", function: { name: "get_weather", arguments: fakeToolArguments(tokens, call).join("") } });
    return [role, chunk({ tool_calls: [whole(0)] }), chunk({ tool_calls: [whole(1)] }), ...end("tool_calls")];
  }
  // Some servers put `tool_calls: []` on every text delta.
  if (mode === "emptytools") return [role, ...range(tokens).map((n) => chunk({ content: text(n), tool_calls: [] })), ...end("stop")];
  // Workers AI's compatible endpoint has sent numbers as content.
  if (mode === "numcontent") return [role, ...range(tokens).map((n) => chunk({ content: n })), ...end("stop")];
  // OpenRouter: keep-alive comments while the model works, before and between tokens.
  if (mode === "comments") return [": OPENROUTER PROCESSING\n\n", role, ...range(tokens).flatMap((n) => [": OPENROUTER PROCESSING\n\n", chunk({ content: text(n) })]), ...end("stop")];
  // Reasoning first (OpenRouter and Ollama spell it `reasoning`, DeepSeek and vLLM `reasoning_content`), then two tokens.
  if (mode === "reasoning" || mode === "reasoningcontent") {
    const field = mode === "reasoning" ? "reasoning" : "reasoning_content";
    return [role, ...range(tokens).map((n) => chunk({ [field]: `r${n} ` })), chunk({ content: "t1 " }), chunk({ content: "t2 " }), ...end("stop")];
  }
  if (mode === "refusal") return [chunk({ role: "assistant", content: null, refusal: "" }), ...range(tokens).map((n) => chunk({ refusal: `no${n} ` })), ...end("stop")];
  if (mode === "logprobs") {
    const logprobs = (n: number) => ({ logprobs: { content: [{ token: text(n), logprob: -n / 10, bytes: [...Buffer.from(text(n))], top_logprobs: [] }], refusal: null } });
    return [role, ...range(tokens).map((n) => chunk({ content: text(n) }, null, logprobs(n))), ...end("stop")];
  }
  if (mode.startsWith("finish_")) return [role, ...range(tokens).map((n) => chunk({ content: text(n) })), ...end(mode.slice("finish_".length))];
  const stamp = () => `${(performance.timeOrigin + performance.now()).toFixed(3)} `;
  if (mode === "stamptools") return [toolStart(0), ...range(tokens).map(() => () => chunk({ tool_calls: [{ index: 0, function: { arguments: stamp() } }] })), ...end("tool_calls")];
  const content = (n: number): Frame => (mode === "stamp" ? () => chunk({ content: stamp() }) : chunk({ content: text(n) }));
  const broken: Record<string, Frame[]> = {
    // OpenRouter's mid-stream error: an error object in an ordinary data event, with finish reason "error".
    midstream: [`data: ${JSON.stringify({ id: "gen-1", object: "chat.completion.chunk", error: { code: 502, message: "boom" }, choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }] })}\n\n`, CUT],
    malformed: ['data: {"choices":[{"delta":\n\n', CUT],
    stallmid: [STALL],
  };
  if (broken[mode]) return [role, content(1), content(2), ...broken[mode]];
  return [role, ...range(tokens).map(content), ...end("stop")];
}

/**
 * The native Responses API stream (`POST …/responses`): text (modes ok, stamp, nodone, which ends before its last
 * event) or a function call in fragments (tools), each event numbered, as OpenAI sends them.
 */
function responsesScript(mode: string, tokens: number, model: string): Frame[] {
  let sequence = 0;
  const event = (value: Record<string, unknown>) => () => `event: ${value.type}\ndata: ${JSON.stringify({ ...value, sequence_number: sequence++ })}\n\n`;
  const response = (status: string, output: unknown[] = []) => ({ id: "resp_fake", object: "response", created_at: 0, status, model, output, usage: { input_tokens: 1, output_tokens: tokens, total_tokens: tokens + 1 } });
  const start = [event({ type: "response.created", response: response("in_progress") }), event({ type: "response.in_progress", response: response("in_progress") })];
  const range = Array.from({ length: tokens }, (_, i) => i + 1);
  if (mode === "tools") {
    const pieces = fakeToolArguments(tokens);
    const item = { id: "fc_1", type: "function_call", status: "in_progress", call_id: "call_0", name: "get_weather", arguments: "" };
    const done = { ...item, status: "completed", arguments: pieces.join("") };
    return [
      ...start,
      event({ type: "response.output_item.added", output_index: 0, item }),
      ...pieces.map((delta) => event({ type: "response.function_call_arguments.delta", item_id: "fc_1", output_index: 0, delta })),
      event({ type: "response.function_call_arguments.done", item_id: "fc_1", output_index: 0, arguments: done.arguments }),
      event({ type: "response.output_item.done", output_index: 0, item: done }),
      event({ type: "response.completed", response: response("completed", [done]) }),
    ];
  }
  const stamp = () => `${(performance.timeOrigin + performance.now()).toFixed(3)} `;
  const texts = range.map((n) => (mode === "stamp" ? stamp : () => `t${n} `));
  const ids = { item_id: "msg_1", output_index: 0, content_index: 0 };
  const item = { id: "msg_1", type: "message", status: "in_progress", role: "assistant", content: [] };
  const text = () => (mode === "stamp" ? "" : range.map((n) => `t${n} `).join(""));
  const done = () => ({ ...item, status: "completed", content: [{ type: "output_text", text: text(), annotations: [] }] });
  const frames: Frame[] = [
    ...start,
    event({ type: "response.output_item.added", output_index: 0, item }),
    event({ type: "response.content_part.added", ...ids, part: { type: "output_text", text: "", annotations: [] } }),
    ...texts.map((delta) => () => event({ type: "response.output_text.delta", ...ids, delta: delta(), logprobs: [] })()),
  ];
  if (mode === "nodone") return [...frames, CUT];
  return [
    ...frames,
    () =>
      [
        event({ type: "response.output_text.done", ...ids, text: text(), logprobs: [] }),
        event({ type: "response.content_part.done", ...ids, part: { type: "output_text", text: text(), annotations: [] } }),
        event({ type: "response.output_item.done", output_index: 0, item: done() }),
        event({ type: "response.completed", response: response("completed", [done()]) }),
      ].map((frame) => frame()).join(""),
  ];
}

/**
 * Anthropic's Messages stream (`POST …/v1/messages`, an Anthropic upstream): text (ok), a tool call whose input
 * arrives as JSON fragments (tools), a signed thinking block then text (thinking), an `overloaded_error` event after
 * two tokens (midstream), or a stream that ends before `message_stop` (nodone).
 */
function messagesScript(mode: string, tokens: number, model: string): Frame[] {
  const event = (value: Record<string, unknown>) => `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`;
  const range = Array.from({ length: tokens }, (_, i) => i + 1);
  const start = event({ type: "message_start", message: { id: "msg_fake", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, output_tokens: 1 } } });
  const end = (stop: string) => event({ type: "message_delta", delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: tokens } }) + event({ type: "message_stop" });
  const delta = (index: number, value: object) => event({ type: "content_block_delta", index, delta: value });
  const textBlock = (index: number) => [
    event({ type: "content_block_start", index, content_block: { type: "text", text: "" } }) + event({ type: "ping" }),
    ...range.map((n) => delta(index, { type: "text_delta", text: `t${n} ` })),
    event({ type: "content_block_stop", index }),
  ];
  if (mode === "tools") {
    const pieces = fakeToolArguments(tokens, 0);
    return [
      start,
      event({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_fake", name: "get_weather", input: {} } }),
      ...pieces.map((piece) => delta(0, { type: "input_json_delta", partial_json: piece })),
      event({ type: "content_block_stop", index: 0 }) + end("tool_use"),
    ];
  }
  if (mode === "thinking") {
    return [
      start,
      event({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ...range.map((n) => delta(0, { type: "thinking_delta", thinking: `r${n} ` })),
      delta(0, { type: "signature_delta", signature: "sig-fake" }) + event({ type: "content_block_stop", index: 0 }),
      ...textBlock(1),
      end("end_turn"),
    ];
  }
  const frames = [start, ...textBlock(0)];
  if (mode === "midstream") return [...frames.slice(0, 4), event({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }), CUT];
  if (mode === "nodone") return [...frames, CUT];
  return [...frames, end("end_turn")];
}

function error(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "fake_error" } }));
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (piece: string) => (data += piece));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}
