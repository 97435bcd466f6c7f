import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { chatParams } from "../../src/model/chatParams";
import { modelUpstreams } from "../../src/model/modelClient";
import { modelSettings } from "../../src/model/modelSettings";
import { ModelAnswer } from "../../src/model/ModelAnswer";
import { chatLimits } from "../../src/model/streamChat";
import type { EndHook } from "../../src/streams/logStreamEnd";
import { upstream, upstreamRequests } from "../support/callWorker";

// A port nothing listens on: the connection is refused.
const CLOSED = "http://127.0.0.1:1/v1";

/** The fake upstream in `mode`, under this file's tag, as a MODEL_FALLBACKS entry. */
const fallback = (mode: string, model?: string) => ({ baseUrl: upstream(mode).OPENAI_BASE_URL, ...(model ? { model } : {}) });

/** One answer through the primary `primary` (a mode of the fake, or CLOSED) and `fallbacks`; what it relayed and reported. */
async function answerWith(primary: string, fallbacks: object[], { leaveAfter }: { leaveAfter?: number } = {}) {
  const vars = { ...upstream(primary === CLOSED ? "ok" : primary), ...(primary === CLOSED ? { OPENAI_BASE_URL: CLOSED } : {}) };
  const config = modelSettings({ ...env, ...vars, MODEL_FALLBACKS: JSON.stringify(fallbacks) });
  const hooks: EndHook[] = [];
  const points: AnalyticsEngineDataPoint[] = [];
  const sink = { writeDataPoint: (point?: AnalyticsEngineDataPoint) => void points.push(point!) };
  const answer = new ModelAnswer(modelUpstreams(config), { atEnd: (hook) => void hooks.push(hook) }, { USAGE: sink });
  const client = new AbortController();
  const text: string[] = [];
  let failure: unknown;
  try {
    const params = chatParams({ message: "what is the weather" }, config);
    await answer.chat(params, chatLimits(config, client.signal), (delta) => {
      text.push(delta.content ?? "");
      if (text.length === leaveAfter) client.abort(new DOMException("the client left", "AbortError"));
    });
  } catch (error) {
    failure = error;
  }
  const outcome = failure === undefined ? "complete" : client.signal.aborted ? "cancelled" : "error";
  const report = hooks.map((hook) => hook({ route: "/test", outcome }))[0] as Record<string, unknown>;
  return { text: text.join(""), failure, report, points };
}

/** The fake upstream's requests from this test, by the mode each was sent to. */
async function modesAsked(since: number): Promise<string[]> {
  return (await upstreamRequests()).slice(since).map((r) => r.path.split("/")[2]!);
}

describe("fallback upstreams", () => {
  it("tries MODEL_FALLBACKS in order after the primary, and the first that answers gives the whole answer", async () => {
    const before = (await upstreamRequests()).length;
    const { text, failure, report } = await answerWith(CLOSED, [fallback("503"), fallback("ok", "backup-model"), fallback("ok")]);
    expect(failure).toBeUndefined();
    expect(text).toBe("t1 t2 t3 t4 t5 ");
    expect(await modesAsked(before)).toEqual(["503", "ok"]);
    expect(report).toMatchObject({ tried: 3, model: "backup-model", upstream: new URL(inject("fakeOpenAI")).host });
  });

  it("asks a fallback with a model of its own for that model", async () => {
    const before = (await upstreamRequests()).length;
    await answerWith("500", [fallback("ok", "backup-model")]);
    const [, asked] = (await upstreamRequests()).slice(before);
    expect(asked!.body).toMatchObject({ model: "backup-model" });
  });

  it.each([
    ["the connection is refused", CLOSED],
    ["408", "408"],
    ["409", "409"],
    ["429", "429"],
    ["500", "500"],
    ["no headers before the first-token wait ends", "stall"],
    ["keep-alives but no token before the first-token wait ends", "keepalive"],
  ])("falls back when the primary fails before its first token: %s", async (_, primary) => {
    const { text, failure, report } = await answerWith(primary, [fallback("ok")]);
    expect(failure).toBeUndefined();
    expect(text).toBe("t1 t2 t3 t4 t5 ");
    expect(report).toMatchObject({ tried: 2 });
  });

  it("never falls back after the first delta: a primary that goes silent mid-answer is the answer's error", async () => {
    const before = (await upstreamRequests()).length;
    const { text, failure, report } = await answerWith("stallmid", [fallback("ok")]);
    expect(text).toBe("t1 t2 ");
    expect(failure).toMatchObject({ code: "upstream_timeout" });
    expect(await modesAsked(before)).toEqual(["stallmid"]);
    expect(report).toMatchObject({ tried: 1 });
  });

  it.each([
    ["400", "upstream_rejected"],
    ["401", "upstream_auth"],
    ["404", "upstream_rejected"],
  ])("never falls back when the primary answers %s: the request or the key is wrong, not the upstream", async (primary, code) => {
    const before = (await upstreamRequests()).length;
    const { failure } = await answerWith(primary, [fallback("ok")]);
    expect(failure).toMatchObject({ code });
    expect(await modesAsked(before)).toEqual([primary]);
  });

  it("fails with the last upstream's error when every one fails", async () => {
    const { failure, report } = await answerWith("500", [fallback("429")]);
    expect(failure).toMatchObject({ status: 429, code: "upstream_rate_limited" });
    expect(report).toMatchObject({ tried: 2 });
  });
});

describe("usage", () => {
  it("is the upstream's own count when it sent one", async () => {
    const { report, points } = await answerWith("ok", []);
    expect(report.usage).toEqual({ prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 });
    expect(points).toHaveLength(1);
  });

  it("is estimated from what was sent and relayed when the client leaves before the usage chunk", async () => {
    const { text, report } = await answerWith("ok-20-10", [], { leaveAfter: 4 });
    expect(text).toBe("t1 t2 t3 t4 ");
    const usage = report.usage as Record<string, number>;
    expect(usage).toMatchObject({ completion_tokens: Math.ceil(text.length / 4), estimated: true });
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens! + usage.completion_tokens!);
  });

  it("is written to the USAGE binding as one data point: route, model, upstream, outcome, then the counts", async () => {
    const { points } = await answerWith("500", [fallback("ok", "backup-model")]);
    expect(points).toEqual([
      {
        indexes: ["backup-model"],
        blobs: ["/test", "backup-model", new URL(inject("fakeOpenAI")).host, "complete", ""],
        doubles: [1, 5, 6, 0, 0, 0, 2],
      },
    ]);
  });
});
