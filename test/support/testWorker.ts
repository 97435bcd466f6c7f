// The Worker under test, plus what only the tests use: a durable stream object whose producers are tiny and belong to
// no feature, so the durable core's tests survive removing any of them.
import { DurableStream, durableProducer, producersOf } from "../../src/streams/durable/DurableStream";
import { HttpError } from "../../src/streams/HttpError";
import type { StreamContext } from "../../src/streams/runProducer";
import { sleep } from "../../src/streams/sleep";

export * from "../../src/index";
export { default } from "../../src/index";

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

/** The durable core with the counting producer only (bound as TEST_STREAMS by vitest.config.ts). */
export class TestStreams extends DurableStream<Env> {
  producers = producersOf(durableProducer("count", count));
}
