import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../../../src/model/offlineModel";
import { callWorker, upstream, upstreamRequests, workerFetch } from "../../support/callWorker";
import { breakAfter } from "../../support/flakyFetch";
import { mcpClient } from "./mcpClient";
import { eventsOf, openSession, post, readEvents } from "./mcpWire";

const fast = { OFFLINE_TOKEN_MS: "1" };

/** A fetch whose first tools/call stream breaks, as a lost network would, after its event with `"progress":<after>`. */
function droppingFetch(vars: Partial<Env>, after: number) {
  const inner = workerFetch(vars);
  const seen = { dropped: false, lastEventIds: [] as (string | null)[] };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.method === "GET") seen.lastEventIds.push(request.headers.get("last-event-id"));
    const isCall = request.method === "POST" && (await request.clone().text()).includes('"tools/call"');
    const response = await inner(request);
    if (!isCall || seen.dropped || !response.body) return response;
    seen.dropped = true;
    return new Response(breakAfter(response.body, (chunk) => new TextDecoder().decode(chunk).includes(`"progress":${after},`)), response);
  };
  return { fetch, seen };
}

describe("the MCP SDK's client against /mcp", () => {
  it("lists the tools and calls countdown, its progress in order", async () => {
    const { client } = await mcpClient(fast);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["chat", "countdown"]);
    expect(tools[1]!.inputSchema).toMatchObject({ type: "object", properties: { seconds: { type: "integer", minimum: 1, maximum: 600 } }, required: ["seconds"] });
    const progress: unknown[] = [];
    const result = await client.callTool({ name: "countdown", arguments: { seconds: 3, intervalMs: 10 } }, undefined, { onprogress: (p) => progress.push(p) });
    expect(result).toEqual({ content: [{ type: "text", text: "Counted down from 3." }] });
    expect(progress).toEqual([
      { progress: 0, total: 3, message: "3 s left" },
      { progress: 1, total: 3, message: "2 s left" },
      { progress: 2, total: 3, message: "1 s left" },
      { progress: 3, total: 3, message: "done" },
    ]);
    await client.close();
  });

  it("calls chat: each progress message is the answer so far, and the result the whole answer", async () => {
    const { client } = await mcpClient(fast);
    const messages: string[] = [];
    const result = await client.callTool({ name: "chat", arguments: { prompt: "hello there" } }, undefined, { onprogress: (p) => messages.push(p.message!) });
    const words = answer("hello there");
    expect(messages).toEqual(words.map((_, i) => words.slice(0, i + 1).join("")));
    expect(result.content).toEqual([{ type: "text", text: words.join("") }]);
  });

  it("resumes a dropped call by itself (GET with Last-Event-ID): every progress notification once, the result once", async () => {
    const { fetch, seen } = droppingFetch(fast, 1);
    const { client } = await mcpClient(fast, fetch);
    const progress: number[] = [];
    const result = await client.callTool({ name: "countdown", arguments: { seconds: 6, intervalMs: 20 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(seen.dropped).toBe(true);
    expect(seen.lastEventIds.filter(Boolean)).toHaveLength(1);
    // Priming, the log line, progress 0 and 1: the fourth event is the last it had.
    expect(seen.lastEventIds.find(Boolean)).toMatch(/^[\w-]{22}:4$/);
    expect(progress).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(result.content).toEqual([{ type: "text", text: "Counted down from 6." }]);
  });

  it("resumes a call in a new client from the resumption token the first one saved: one GET from that event, then the result", async () => {
    // Its stream breaks after progress 1, and the app goes away with it (no cancellation is sent): the call runs on.
    const first = await mcpClient(fast, droppingFetch(fast, 1).fetch);
    const tokens: string[] = [];
    const progress: number[] = [];
    const call = { method: "tools/call" as const, params: { name: "countdown", arguments: { seconds: 5, intervalMs: 40 } } };
    const dropped = first.client.request(call, CallToolResultSchema, {
      onresumptiontoken: (token) => tokens.push(token),
      onprogress: (p) => {
        progress.push(p.progress);
        if (p.progress === 1) void first.client.close();
      },
    });
    await expect(dropped).rejects.toThrow();
    const lastEventIds: (string | null)[] = [];
    const counting: typeof fetch = (input, init) => {
      const request = new Request(input, init);
      if (request.method === "GET") lastEventIds.push(request.headers.get("last-event-id"));
      return workerFetch(fast)(request);
    };
    // A new client in the same session (the SDK skips initialize when given a session id), resuming by the token.
    const transport = new StreamableHTTPClientTransport(new URL("http://worker/mcp"), { fetch: counting, sessionId: first.transport.sessionId });
    const second = new Client({ name: "edge-streams-test", version: "1.0.0" });
    await second.connect(transport);
    // Priming, the log line, progress 0 and 1: the fourth event is the last the first client had.
    expect(tokens.at(-1)).toMatch(/^[\w-]{22}:4$/);
    const result = await second.request(call, CallToolResultSchema, { resumptionToken: tokens.at(-1) });
    expect(result.content).toEqual([{ type: "text", text: "Counted down from 5." }]);
    expect(progress).toEqual([0, 1]);
    expect(lastEventIds).toEqual([tokens.at(-1)]);
    await second.close();
  });

  it("comes back for a call whose stream the server closed on purpose (MCP_POLL_SECONDS), missing nothing", async () => {
    const vars = { ...fast, MCP_POLL_SECONDS: "1" };
    const { client } = await mcpClient(vars);
    const progress: number[] = [];
    const result = await client.callTool({ name: "countdown", arguments: { seconds: 4, intervalMs: 400 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(progress).toEqual([0, 1, 2, 3, 4]);
    expect(result.content).toEqual([{ type: "text", text: "Counted down from 4." }]);
  });

  it("stops the model when the call is cancelled: the upstream's socket closes within a second", async () => {
    const vars = upstream("ok-100-60");
    const { client } = await mcpClient(vars);
    const stop = new AbortController();
    const call = client.callTool({ name: "chat", arguments: { prompt: "cancel me" } }, undefined, {
      signal: stop.signal,
      onprogress: () => stop.abort("enough"),
    });
    await expect(call).rejects.toThrow();
    const stoppedAt = Date.now();
    const seen = await vi.waitFor(async () => {
      const request = (await upstreamRequests()).find((r) => JSON.stringify(r.body).includes("cancel me"))!;
      expect(request.abortedAt).not.toBeNull();
      return request;
    });
    expect(seen.abortedAt! - stoppedAt).toBeLessThan(1000);
    expect(seen.tokensSent).toBeLessThan(30);
  });

  it("is refused without API_TOKEN's bearer when one is set: the client sees 401", async () => {
    const vars = { API_TOKEN: "s3cret" };
    await expect(mcpClient(vars)).rejects.toMatchObject({ code: 401 });
    const response = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, {}, vars);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    const { client } = await mcpClient(vars, (input, init) => workerFetch(vars)(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: "Bearer s3cret" } }));
    expect(await client.ping()).toEqual({});
  });
});

describe("/mcp on the wire", () => {
  it("resumes a call from any event with a raw GET and Last-Event-ID: the rest once, then the response", async () => {
    const session = await openSession(fast);
    const call = { jsonrpc: "2.0", id: "c1", method: "tools/call", params: { name: "countdown", arguments: { seconds: 4, intervalMs: 20 }, _meta: { progressToken: "p" } } };
    const response = await post(call, { "mcp-session-id": session });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const first = eventsOf(response.body!);
    // The priming event (an id, no data: its `retry` went to the parser), the log line, progress 0 and 1.
    const before = await readEvents(first, 4);
    await first.cancel();
    expect(before[0]).toMatchObject({ data: "" });
    expect(before[0]!.id).toMatch(/^[\w-]{22}:1$/);
    const resumed = await callWorker("/mcp", { headers: { accept: "text/event-stream", "mcp-session-id": session, "last-event-id": before[3]!.id! } });
    expect(resumed.status).toBe(200);
    const rest = await readEvents(eventsOf(resumed.body!));
    const messages = [...before.slice(1), ...rest].map((event) => JSON.parse(event.data));
    expect(messages.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress)).toEqual([0, 1, 2, 3, 4]);
    expect(messages.filter((m) => m.method === "notifications/message").map((m) => m.params.data)).toEqual(["countdown from 4", "countdown finished"]);
    expect(messages.at(-1)).toEqual({ jsonrpc: "2.0", id: "c1", result: { content: [{ type: "text", text: "Counted down from 4." }] } });
    // Ids count on through the resumption, one per event, none twice.
    const ids = [...before, ...rest].map((event) => Number(event.id!.split(":")[1]));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    // The client has the response: a reconnect gets 204, nothing again.
    const again = await callWorker("/mcp", { headers: { accept: "text/event-stream", "mcp-session-id": session, "last-event-id": rest.at(-1)!.id! } });
    expect(again.status).toBe(204);
  });

  it("answers initialize in the version asked when spoken here, else the newest, with an unguessable session id", async () => {
    const init = (protocolVersion: string) => post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion, capabilities: {}, clientInfo: { name: "v", version: "1" } } });
    const old = await init("2025-06-18");
    expect((await old.json()) as unknown).toMatchObject({ result: { protocolVersion: "2025-06-18", capabilities: { tools: {}, logging: {} }, serverInfo: { name: "edge-streams" } } });
    const future = await init("2099-01-01");
    expect(((await future.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe("2025-11-25");
    expect(old.headers.get("mcp-session-id")).toMatch(/^[\w-]{22}$/);
    expect(old.headers.get("mcp-session-id")).not.toBe(future.headers.get("mcp-session-id"));
  });

  it("answers each bad message with its JSON-RPC error and status", async () => {
    const session = await openSession();
    const withSession = { "mcp-session-id": session };
    const cases: [unknown, Record<string, string>, number, number, RegExp][] = [
      ["{not json", withSession, 400, -32700, /Parse error/],
      [[{ jsonrpc: "2.0", id: 1, method: "ping" }], withSession, 400, -32600, /batches/],
      [{ jsonrpc: "1.0", id: 1, method: "ping" }, withSession, 400, -32600, /jsonrpc/],
      [{ jsonrpc: "2.0", id: 2, method: "resources/list" }, withSession, 200, -32601, /Method not found/],
      [{ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "nope" } }, withSession, 200, -32602, /unknown tool/],
      [{ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "countdown", arguments: { seconds: 0 } } }, withSession, 200, -32602, /seconds/],
      [{ jsonrpc: "2.0", id: 5, method: "logging/setLevel", params: { level: "loud" } }, withSession, 200, -32602, /level/],
      [{ jsonrpc: "2.0", id: "x".repeat(257), method: "ping" }, withSession, 400, -32600, /at most 256/],
      [{ jsonrpc: "2.0", id: 10, method: "tools/call", params: { name: "countdown", arguments: { seconds: 1 }, _meta: { progressToken: {} } } }, withSession, 200, -32602, /progressToken/],
      [{ jsonrpc: "2.0", id: 6, method: "ping" }, {}, 400, -32600, /Mcp-Session-Id is required/],
      [{ jsonrpc: "2.0", id: 7, method: "ping" }, { "mcp-session-id": "AAAAAAAAAAAAAAAAAAAAAA" }, 404, -32000, /Session not found/],
      [{ jsonrpc: "2.0", id: 8, method: "ping" }, { ...withSession, "mcp-protocol-version": "2024-01-01" }, 400, -32600, /MCP-Protocol-Version/],
      [{ jsonrpc: "2.0", id: 9, method: "ping" }, { ...withSession, origin: "https://evil.example" }, 403, -32000, /Origin/],
    ];
    for (const [body, headers, status, code, message] of cases) {
      const init = { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) };
      const response = await callWorker("/mcp", init);
      const error = ((await response.json()) as { error: { code: number; message: string } }).error;
      expect({ status: response.status, code: error.code }, JSON.stringify(body)).toEqual({ status, code });
      expect(error.message).toMatch(message);
    }
  });

  it("refuses a client on this machine that names the server by another site's name (DNS rebinding), and takes it by IP or localhost", async () => {
    const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "r", version: "1" } } });
    const fromHere = (host: string, origin?: string) =>
      callWorker(`http://${host}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "cf-connecting-ip": "127.0.0.1", ...(origin ? { origin } : {}) },
        body: initialize,
      });
    expect((await fromHere("evil.example.com", "http://evil.example.com")).status).toBe(403);
    expect((await fromHere("evil.example.com")).status).toBe(403);
    expect((await fromHere("localhost:8787", "http://localhost:8787")).status).toBe(200);
    expect((await fromHere("127.0.0.1:8787")).status).toBe(200);
    expect((await fromHere("[::1]:8787")).status).toBe(200);
    // A page of another site on this machine's own name is refused by its Origin.
    expect((await fromHere("localhost:8787", "http://localhost:3000")).status).toBe(403);
  });
});
