import { describe, expect, it } from "vitest";
import { readJSONL } from "../../src/client/readJSONL";
import { StreamError } from "../../src/client/StreamError";
import { encodeJSONL } from "../../src/streams/jsonl";
import { cutBytes, piecesOf, readAll, responseOf } from "../support/chunked";

const END = encodeJSONL({ $done: { total: 2 } });

describe("readJSONL", () => {
  it("yields each record and returns the end record's summary", async () => {
    const wire = encodeJSONL({ a: 1 }) + encodeJSONL([2, "two"]) + END;
    const { values, result } = await readAll(readJSONL(responseOf(piecesOf(wire, 1000)).response));
    expect(values).toEqual([{ a: 1 }, [2, "two"]]);
    expect(result).toEqual({ total: 2 });
  });

  it("decodes records and multi-byte characters split at every byte offset", async () => {
    const records = [{ text: "héllo 👋🏽" }, { text: "世界\u2028\u2029" }];
    const wire = records.map(encodeJSONL).join("") + END;
    const length = new TextEncoder().encode(wire).length;
    for (let offset = 0; offset <= length; offset++) {
      const { values } = await readAll(readJSONL(responseOf(cutBytes(wire, [offset])).response));
      expect(values).toEqual(records);
    }
  });

  it("reads CRLF line ends and skips blank lines", async () => {
    const wire = '{"a":1}\r\n\r\n\n{"b":2}\r\n{"$done":{}}\r\n';
    const { values } = await readAll(readJSONL(responseOf(piecesOf(wire, 3)).response));
    expect(values).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("treats a record that merely has a $done key among others as data", async () => {
    const wire = encodeJSONL({ $done: 1, other: 2 }) + END;
    const { values } = await readAll(readJSONL(responseOf(piecesOf(wire, 100)).response));
    expect(values).toEqual([{ $done: 1, other: 2 }]);
  });

  it("throws the error record's message and code after the records before it", async () => {
    const wire = encodeJSONL({ a: 1 }) + encodeJSONL({ $error: { message: "part failed", code: "boom" } });
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const record of readJSONL(responseOf(piecesOf(wire, 5)).response)) seen.push(record);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ a: 1 }]);
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ message: "part failed", code: "boom" });
  });

  it("throws when the stream is cut before its end record, instead of returning short", async () => {
    const wire = encodeJSONL({ a: 1 }) + '{"b":';
    await expect(readAll(readJSONL(responseOf(piecesOf(wire, 4)).response))).rejects.toMatchObject({ code: "cut" });
    await expect(readAll(readJSONL(responseOf(piecesOf(encodeJSONL({ a: 1 }), 4)).response))).rejects.toMatchObject({
      code: "cut",
    });
  });

  it("throws on a line that is not JSON when more lines follow it", async () => {
    const wire = "not json\n" + encodeJSONL({ a: 1 }) + END;
    await expect(readAll(readJSONL(responseOf(piecesOf(wire, 4)).response))).rejects.toMatchObject({
      code: "bad_record",
    });
  });

  it("throws an error response's message, code and status before reading any record", async () => {
    const response = Response.json({ error: { message: "count must be…", code: "bad_request" } }, { status: 400 });
    await expect(readAll(readJSONL(response))).rejects.toMatchObject({ status: 400, code: "bad_request" });
  });

  it("cancels the body when the loop is left early, which aborts the request", async () => {
    const { response, cancelled } = responseOf(piecesOf(encodeJSONL(1) + encodeJSONL(2) + END, 2));
    for await (const record of readJSONL(response)) {
      expect(record).toBe(1);
      break;
    }
    await cancelled;
  });
});

describe("readJSONL's reader", () => {
  const wire = encodeJSONL({ a: 1 }) + encodeJSONL({ b: 2 }) + END;

  it("gives the response status, every record through all(), and the summary", async () => {
    const reader = readJSONL(responseOf(piecesOf(wire, 3), { status: 200 }).response);
    expect(reader.status).toBe(200);
    expect(await reader.all()).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await reader.summary).toEqual({ total: 2 });
  });

  it("calls onRecord for each record as it is read", async () => {
    const seen: unknown[] = [];
    await readJSONL(responseOf(piecesOf(wire, 3)).response, { onRecord: (r) => seen.push(r) }).all();
    expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("abort(reason) makes the loop throw that reason and cancels the body", async () => {
    const { response, cancelled } = responseOf(piecesOf(wire, 3));
    const reader = readJSONL(response);
    const reason = new Error("user pressed stop");
    const error = await (async () => {
      for await (const _record of reader) reader.abort(reason);
    })().catch((e: unknown) => e);
    expect(error).toBe(reason);
    await cancelled;
  });

  it("close() ends the loop quietly and cancels the body", async () => {
    const { response, cancelled } = responseOf(piecesOf(wire, 3));
    const reader = readJSONL(response);
    const seen: unknown[] = [];
    for await (const record of reader) {
      seen.push(record);
      reader.close();
    }
    expect(seen).toEqual([{ a: 1 }]);
    await cancelled;
    await expect(reader.summary).rejects.toMatchObject({ code: "closed" });
  });

  it("close() before reading cancels the body", async () => {
    const { response, cancelled } = responseOf(piecesOf(wire, 3));
    readJSONL(response).close();
    await cancelled;
  });
});
