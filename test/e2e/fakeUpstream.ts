import { afterAll, beforeAll, vi } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../node/fakeOpenAI";

/**
 * A fake OpenAI upstream of the test file's own (started before its Worker, closed after), and a way to see when
 * the Worker closed its request to it: what a client leaving must cause.
 */
export function useFakeUpstream() {
  let fake: FakeOpenAI | undefined;
  beforeAll(async () => void (fake = await startFakeOpenAI()));
  afterAll(() => fake?.close());
  const upstream = () => {
    if (!fake) throw new Error("the fake upstream is not running: use it inside a hook or test");
    return fake;
  };
  return {
    upstream,
    /** Waits until the upstream saw its request to `path` closed early; returns how long after `since`. */
    closedAfter: (since: number, path: string): Promise<number> =>
      vi.waitFor(
        () => {
          const seen = upstream().requests.find((r) => r.path.includes(path) && r.abortedAt !== null);
          if (!seen) throw new Error("the upstream request is still open");
          return seen.abortedAt! - since;
        },
        { timeout: 5_000, interval: 20 },
      ),
  };
}
