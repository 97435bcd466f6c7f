import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll, describe } from "vitest";
import { startMiniflare, type MiniflareWorker } from "../../../bench/miniflare";

// The Worker as wrangler.toml and `npm start` configure it (every default, the 10 s long-poll included), in workerd on
// a socket of its own: without wrangler dev's proxy in front, whose ~9 ms of CPU a request would cost this suite's
// 4,000 requests half a minute of the test run's two cores.
let worker: MiniflareWorker;
beforeAll(async () => {
  worker = await startMiniflare("edge-streams", "wrangler.toml", {}, { quiet: true });
}, 60_000);
afterAll(() => worker?.dispose());

// The protocol's own suite, every test of it: docs/stream-protocol.md lists the ones its reference server fails.
describe("the Durable Streams conformance suite against the Worker", () => {
  runConformanceTests({
    get baseUrl() {
      return worker.direct.origin;
    },
  });
});
