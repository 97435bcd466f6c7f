// The Worker under test: the project's features plus one of the tests' own, `/test/count`, a stream whose producer
// belongs to no feature, so the shared layers' tests (routing, CORS, settings, durable streams) survive removing any
// feature. Also a durable stream object with that producer alone (TestStreams), for the durable core's own tests.
import type { IRequest } from "itty-router";
import { route, type Feature } from "../../src/app/Feature";
import { streamObject } from "../../src/app/streamObject";
import { worker } from "../../src/app/worker";
import { streamOrDurable } from "../../src/durable/streams";
import { admitCostly } from "../../src/http/admitCostly";
import { intParam } from "../../src/http/intParam";
import { wantsResume } from "../../src/http/wantsResume";
import { features } from "../../src/index";
import { DurableStream, durableProducer, producersOf } from "../../src/streams/durable/DurableStream";
import { jsonl, type Framing } from "../../src/streams/framing";
import { HttpError } from "../../src/streams/HttpError";
import type { StreamContext } from "../../src/streams/runProducer";
import { sleep } from "../../src/streams/sleep";

export * from "../../src/index";

/** What the counting producer does: `n` records `{ i }`, `paceMs` apart; at `failAt` it throws instead. */
export interface CountInput {
  n: number;
  paceMs: number;
  failAt?: number;
}

/** Counts to `n`, then ends with `{ counted: n }`. */
async function count({ n, paceMs, failAt }: CountInput, { signal, send }: StreamContext): Promise<unknown> {
  for (let i = 1; i <= n; i++) {
    if (paceMs > 0) await sleep(paceMs, signal);
    if (i === failAt) throw new HttpError(502, "count_failed", `failed at ${i}`);
    send({ i });
  }
  return { counted: n };
}

const durableCount = durableProducer<CountInput>("count", count);

/** GET /test/count?n=&pace=&fail=: the counting producer as JSON Lines (SSE on request), durable with ?resume=1; rate limited. */
async function countRoute(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  await admitCostly(request, env);
  const url = new URL(request.url);
  const input: CountInput = {
    n: intParam(url, "n", { min: 0, max: 100_000, fallback: 3 }),
    paceMs: intParam(url, "pace", { min: 0, max: 10_000, fallback: 0 }),
    failAt: intParam(url, "fail", { min: 0, max: 100_000, fallback: 0 }) || undefined,
  };
  const location = (streamId: string) => `/api/streams/${streamId}`;
  return streamOrDurable(request, env, ctx, wantsResume(request), { format: jsonl, producer: durableCount, input, location });
}

const testFeature: Feature = { name: "test-count", routes: [route("GET", "/test/count", countRoute)], producers: [durableCount] };
const all = [...features, testFeature];

export default worker(all);

/** The Worker's durable stream object, with the test producer beside the features'. */
export class StreamObject extends streamObject(all) {}

/**
 * A framing whose lines name their stream and what its job kept (`forStream`), written from each record's JSON as the
 * log recorded it (`recordJSON`); without a stream, from the record's value.
 */
export const tagged: Framing = {
  name: "tagged",
  contentType: "text/plain",
  accepts: [],
  record: (value, seq) => `value ${seq} ${JSON.stringify(value)}\n`,
  end: (_, seq) => `end ${seq}\n`,
  error: (error, seq) => `error ${seq} ${error.code}\n`,
  ping: undefined,
  forStream: (streamId, kept) => ({ ...tagged, forStream: undefined, recordJSON: (json, seq) => `${streamId} ${JSON.stringify(kept)} ${seq} ${json}\n` }),
};

/** The durable core with the counting producer only (bound as TEST_STREAMS by vitest.config.ts), and `tagged`. */
export class TestStreams extends DurableStream<Env> {
  producers = producersOf(durableCount);

  override framings(streamId: string): Framing[] {
    return [...super.framings(streamId), tagged];
  }
}
