import { describe, expect, it } from "vitest";
import { readSSE } from "../../src/client/readSSE";
import { StreamError } from "../../src/client/StreamError";
import { encodeSSE } from "../../src/streams/sse";
import { drain, piecesOf, responseOf } from "../support/chunked";

const message = (id: number, value: unknown) => encodeSSE({ id, data: JSON.stringify(value) });
const DONE = encodeSSE({ event: "done", data: JSON.stringify({ finish_reason: "stop" }) });

describe("readSSE", () => {
  it("yields each message's data parsed from JSON and returns the done event's data", async () => {
    const wire = message(1, "Hel") + encodeSSE({ comment: "ping" }) + message(2, "lo\n") + DONE;
    const { values, result } = await drain(readSSE(responseOf(piecesOf(wire, 7)).response));
    expect(values).toEqual(["Hel", "lo\n"]);
    expect(result).toEqual({ finish_reason: "stop" });
  });

  it("yields a named event as { event, data }, in order with the default events", async () => {
    const wire = encodeSSE({ event: "reasoning", data: '"hmm"' }) + message(1, "x") + encodeSSE({ event: "tool-call", data: '{"a":1}' }) + DONE;
    const { values } = await drain(readSSE(responseOf(piecesOf(wire, 5)).response));
    expect(values).toEqual([{ event: "reasoning", data: "hmm" }, "x", { event: "tool-call", data: { a: 1 } }]);
  });

  it("throws the error event's message and code", async () => {
    const wire = message(1, "a") + encodeSSE({ event: "error", data: '{"message":"upstream failed","code":"upstream"}' });
    const error = await drain(readSSE(responseOf(piecesOf(wire, 5)).response)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ message: "upstream failed", code: "upstream" });
  });

  it("throws when the stream ends without its done event", async () => {
    const wire = message(1, "a") + message(2, "b");
    await expect(drain(readSSE(responseOf(piecesOf(wire, 5)).response))).rejects.toMatchObject({ code: "cut" });
  });

  it("throws when the done event itself is cut before its blank line", async () => {
    const wire = message(1, "a") + DONE.slice(0, -1);
    await expect(drain(readSSE(responseOf(piecesOf(wire, 5)).response))).rejects.toMatchObject({ code: "cut" });
  });

  it("throws on message data that is not JSON", async () => {
    const wire = encodeSSE({ data: "not json" }) + DONE;
    await expect(drain(readSSE(responseOf(piecesOf(wire, 5)).response))).rejects.toMatchObject({
      code: "bad_record",
    });
  });

  it("throws an error response's message, code and status", async () => {
    const response = Response.json({ error: { message: "no route for /x", code: "not_found" } }, { status: 404 });
    await expect(drain(readSSE(response))).rejects.toMatchObject({ status: 404, code: "not_found" });
  });

  it("throws a plain status for an error response that is not JSON", async () => {
    const response = new Response("Bad gateway", { status: 502 });
    await expect(drain(readSSE(response))).rejects.toMatchObject({ status: 502, message: "HTTP 502" });
  });

  it("cancels the body when the loop is left early, which aborts the request", async () => {
    const { response, cancelled } = responseOf(piecesOf(message(1, "a") + message(2, "b") + DONE, 3));
    for await (const token of readSSE(response)) {
      expect(token).toBe("a");
      break;
    }
    await cancelled;
  });
});
