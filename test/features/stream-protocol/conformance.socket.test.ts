import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { describe } from "vitest";
import { useWranglerDev } from "../../e2e/wranglerDev";

// `npm start` as it is: every default, the long-poll's 10 s included (the suite waits for three of them).
const worker = useWranglerDev(() => ({}));

// The protocol's own suite, every test of it: docs/stream-protocol.md lists the ones its reference server fails.
describe("the Durable Streams conformance suite against `npm start`", () => {
  runConformanceTests({
    get baseUrl() {
      return worker.url.origin;
    },
  });
});
