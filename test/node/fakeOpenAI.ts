import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake saw of one request, for tests to check. */
export interface SeenRequest {
  id: number;
  path: string;
  authorization: string | undefined;
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
 * the base URL: `/<mode>[-<paceMs>[-<tokens>]]/v1/chat/completions`. Tokens are `t1 t2 …` unless `stamp` mode,
 * where each token is the epoch ms it was sent (to the µs) and the request's max_tokens sets how many: the benchmark.
 *
 * Modes: ok, stamp, 400, 401, 403, 429 (Retry-After: 7), 500, midstream (an error payload after 2 tokens),
 * malformed (bad JSON after 2 tokens), nodone (ends without `data: [DONE]`), stall (never answers),
 * stallmid (2 tokens, then silence), keepalive (SSE comments every 50 ms and never a token), wide (tokens of
 * three-byte characters: `漢字漢字<n> `).
 * `GET /_requests` returns what it saw.
 */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === "/_requests") return void res.end(JSON.stringify(requests));
    void answer(req, res, requests);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
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
  const [, spec = "", rest = ""] = /^\/([^/]+)\/v1\/(.*)$/.exec(req.url ?? "") ?? [];
  const [mode = "ok", pace = "5", count = "5"] = spec.split("-");
  const paceMs = Number(pace);
  let body: { model?: string; stream?: boolean; max_tokens?: number } = {};
  try {
    body = JSON.parse(await text(req));
  } catch {
    // A GET, or a body that is not JSON: the fields below stay unset.
  }
  const seen: SeenRequest = {
    id: requests.length,
    path: req.url ?? "",
    authorization: req.headers.authorization,
    body,
    tokensSent: 0,
    abortedAt: null,
  };
  requests.push(seen);
  res.on("close", () => {
    if (!res.writableFinished) seen.abortedAt = Date.now();
  });

  if (rest !== "chat/completions") return error(res, 404, "not found");
  if (mode === "stall") return; // headers never come
  const status = Number(mode);
  if (status === 429) res.setHeader("retry-after", "7");
  // The real API's 401 quotes part of the key: the Worker must not pass this on.
  if (status === 401) return error(res, 401, `Incorrect API key provided: ${req.headers.authorization}`);
  if (status >= 400) return error(res, status, `upstream says ${status}`);

  res.writeHead(200, { "content-type": "text/event-stream" });
  res.socket?.setNoDelay(true);
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: 0,
      model: body.model ?? "fake",
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }));
  if (mode === "keepalive") {
    const timer = setInterval(() => res.write(": keepalive\n\n"), 50);
    return void res.on("close", () => clearInterval(timer));
  }
  const tokens = mode === "stamp" && body.max_tokens ? body.max_tokens : Number(count);
  for (let n = 1; n <= tokens; n++) {
    if (n > 1) await new Promise((resolve) => setTimeout(resolve, paceMs));
    if (seen.abortedAt !== null) return;
    if (n === 3 && mode === "midstream") return void res.end(`data: ${JSON.stringify({ error: { message: "boom" } })}\n\n`);
    if (n === 3 && mode === "malformed") return void res.end('data: {"choices":[{"delta":\n\n');
    if (n === 3 && mode === "stallmid") return;
    const content = mode === "stamp" ? `${(performance.timeOrigin + performance.now()).toFixed(3)} ` : mode === "wide" ? `漢字漢字${n} ` : `t${n} `;
    res.write(chunk({ content }));
    seen.tokensSent = n;
  }
  res.write(chunk({}, "stop"));
  res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1 } })}\n\n`);
  res.end(mode === "nodone" ? "" : "data: [DONE]\n\n");
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
