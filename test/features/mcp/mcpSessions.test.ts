import { describe, expect, it } from "vitest";
import { callWorker, newClientIp } from "../../support/callWorker";
import { firstRefusal } from "../../support/firstRefusal";
import { eventsOf, openSession, post, readEvents } from "./mcpWire";

const countdown = (id: number, seconds: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "countdown", arguments: { seconds, intervalMs: 10 }, _meta: { progressToken: id } } });

describe("MCP sessions and calls", () => {
  it("takes a notification or a client's response with 202 and no body", async () => {
    const session = await openSession();
    for (const message of [{ jsonrpc: "2.0", method: "notifications/initialized" }, { jsonrpc: "2.0", id: 5, result: {} }]) {
      const response = await post(message, { "mcp-session-id": session });
      expect(response.status).toBe(202);
      expect(await response.text()).toBe("");
    }
  });

  it("ends a session with DELETE: its running call stops without an answer, and its id is then a 404", async () => {
    const session = await openSession();
    const call = await post(countdown(1, 600), { "mcp-session-id": session });
    const events = eventsOf(call.body!);
    await readEvents(events, 2);
    const deleted = await callWorker("/mcp", { method: "DELETE", headers: { "mcp-session-id": session } });
    expect(deleted.status).toBe(204);
    // The stream ends with no response: a cancelled request is answered with nothing, as MCP says.
    const rest = await readEvents(events);
    expect(rest.map((event) => JSON.parse(event.data).method)).toEqual(rest.map(() => "notifications/progress"));
    const ping = await post({ jsonrpc: "2.0", id: 2, method: "ping" }, { "mcp-session-id": session });
    expect(ping.status).toBe(404);
    expect((await callWorker("/mcp", { method: "DELETE", headers: { "mcp-session-id": session } })).status).toBe(404);
  });

  it("stops a call on notifications/cancelled naming its request", async () => {
    const session = await openSession();
    const call = await post(countdown(7, 600), { "mcp-session-id": session });
    const events = eventsOf(call.body!);
    await readEvents(events, 2);
    const cancelled = await post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7, reason: "user" } }, { "mcp-session-id": session });
    expect(cancelled.status).toBe(202);
    const rest = await readEvents(events);
    expect(rest.some((event) => JSON.parse(event.data).id === 7)).toBe(false);
  });

  it("sends log messages at or above the level the session set", async () => {
    const session = await openSession();
    const logs = async () => {
      const events = await readEvents(eventsOf((await post(countdown(3, 1), { "mcp-session-id": session })).body!));
      return events.filter((event) => event.data).map((event) => JSON.parse(event.data)).filter((m) => m.method === "notifications/message").map((m) => m.params);
    };
    expect(await logs()).toEqual([
      { level: "info", logger: "countdown", data: "countdown from 1" },
      { level: "info", logger: "countdown", data: "countdown finished" },
    ]);
    const set = await post({ jsonrpc: "2.0", id: 4, method: "logging/setLevel", params: { level: "warning" } }, { "mcp-session-id": session });
    expect(await set.json()).toEqual({ jsonrpc: "2.0", id: 4, result: {} });
    expect(await logs()).toEqual([]);
  });

  it("answers a tools/call with JSON, the call run whole, for a client that takes only JSON", async () => {
    const session = await openSession();
    for (const accept of ["application/json", "application/json, text/event-stream;q=0"]) {
      const response = await post(countdown(9, 2), { "mcp-session-id": session, accept });
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.json()).toEqual({ jsonrpc: "2.0", id: 9, result: { content: [{ type: "text", text: "Counted down from 2." }] } });
    }
    const refused = await post({ jsonrpc: "2.0", id: 10, method: "ping" }, { "mcp-session-id": session, accept: "text/event-stream" });
    expect(refused.status).toBe(406);
    const get = await callWorker("/mcp", { headers: { accept: "application/json", "mcp-session-id": session } });
    expect(get.status).toBe(406);
  });

  it("keeps the session's GET stream open with heartbeats, and ends it with the session", async () => {
    const vars = { HEARTBEAT_MS: "50" };
    const session = await openSession(vars);
    const stream = await callWorker("/mcp", { headers: { accept: "text/event-stream", "mcp-session-id": session } }, vars);
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe("retry: 1000\ndata: \n\n");
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(": ping\n\n");
    await callWorker("/mcp", { method: "DELETE", headers: { "mcp-session-id": session } }, vars);
    for (let step = await reader.read(); !step.done; step = await reader.read()) expect(new TextDecoder().decode(step.value)).toBe(": ping\n\n");
  });

  it("counts tool calls against the rate limit, not pings", async () => {
    const ip = newClientIp();
    const session = await openSession({});
    const pings = await Promise.all(Array.from({ length: 70 }, (_, n) => post({ jsonrpc: "2.0", id: n, method: "ping" }, { "mcp-session-id": session, "cf-connecting-ip": ip })));
    expect(pings.map((response) => response.status)).toEqual(pings.map(() => 200));
    const { refusal, refusedAt } = await firstRefusal((n) => post({ jsonrpc: "2.0", id: n, method: "tools/call", params: { name: "countdown", arguments: { seconds: 1, intervalMs: 10 } } }, { "mcp-session-id": session, "cf-connecting-ip": ip, accept: "application/json" }));
    expect(refusedAt).toBeGreaterThanOrEqual(60);
    expect(refusal.status).toBe(429);
    expect(refusal.headers.get("retry-after")).toBe("60");
    expect(((await refusal.json()) as { error: { code: number } }).error.code).toBe(-32000);
  });
});
