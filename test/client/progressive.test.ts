import { describe, expect, it } from "vitest";
import { progressive } from "../../src/client/progressive";
import { StreamError } from "../../src/client/StreamError";
import { encodeJSONL } from "../../src/streams/jsonl";
import { piecesOf, responseOf } from "../support/chunked";

type Demo = { users: string[] } | { tasks: number[] };

/** A response whose records arrive when the test says so. */
function controlled() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body),
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

describe("progressive", () => {
  it("resolves each part when its record arrives, in whatever order they come", async () => {
    const wire = controlled();
    const data = progressive<Demo>(wire.response);
    const order: string[] = [];
    const users = data.users.then((v) => (order.push("users"), v));
    const tasks = data.tasks.then((v) => (order.push("tasks"), v));
    wire.send(encodeJSONL({ tasks: [1, 2] }));
    expect(await tasks).toEqual([1, 2]);
    wire.send(encodeJSONL({ users: ["ada"] }) + encodeJSONL({ $done: {} }));
    wire.end();
    expect(await users).toEqual(["ada"]);
    expect(order).toEqual(["tasks", "users"]);
  });

  it("keeps a part that arrived before anyone read it", async () => {
    const data = progressive<Demo>(responseOf(piecesOf(encodeJSONL({ users: ["ada"] }) + encodeJSONL({ $done: {} }), 5)).response);
    await data.tasks.catch(() => {}); // rejects only at the end of the stream: by then users has long arrived
    expect(await data.users).toEqual(["ada"]);
  });

  it("rejects the parts still pending with the stream's error record", async () => {
    const wire = controlled();
    const data = progressive<Demo>(wire.response);
    const users = data.users;
    wire.send(encodeJSONL({ tasks: [1] }) + encodeJSONL({ $error: { message: "users failed", code: "part_failed" } }));
    wire.end();
    expect(await data.tasks).toEqual([1]);
    await expect(users).rejects.toMatchObject({ message: "users failed", code: "part_failed" });
    await expect(data.users).rejects.toBeInstanceOf(StreamError); // read after the failure: rejects as well
  });

  it("rejects the parts still pending when the stream is cut", async () => {
    const wire = controlled();
    const data = progressive<Demo>(wire.response);
    wire.send(encodeJSONL({ tasks: [1] }));
    wire.end();
    await expect(data.users).rejects.toMatchObject({ code: "cut" });
  });

  it("rejects a part the stream ended without", async () => {
    const data = progressive<Demo>(responseOf(piecesOf(encodeJSONL({ tasks: [1] }) + encodeJSONL({ $done: {} }), 7)).response);
    await expect(data.users).rejects.toMatchObject({ code: "missing" });
  });

  it("is not mistaken for a promise by await", async () => {
    const data = progressive<Demo>(responseOf(piecesOf(encodeJSONL({ $done: {} }), 7)).response);
    expect(await data).toBe(data);
  });
});
