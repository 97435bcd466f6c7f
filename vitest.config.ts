import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { findBrowser } from "./test/browser/findBrowser";

// The page tests need a Chromium-based browser. Without one they are left out, with one line saying how to run them;
// under CI=true they always run (and fail if there is none: CI installs Debian's Chromium).
const browser = findBrowser();
const browserTests = browser !== undefined || process.env.CI === "true";
if (!browserTests) {
  console.warn("browser tests skipped: no Chromium, Chrome or Edge found. Install one (apt-get install chromium) or set CHROMIUM_PATH to run them.");
}

const UPLOAD_BUDGET_TESTS = "test/features/{uploads,tus}/*.test.ts";
const CONFORMANCE = "test/features/stream-protocol/conformance.socket.test.ts";

/**
 * A project of tests inside workerd through @cloudflare/vitest-plugin. ALLOW_ANONYMOUS as `npm start` sets it; the
 * tests of the committed (closed) default set it back to false. The entry is the Worker plus TestStreams: the durable
 * core with a producer of no feature's, for its own tests.
 */
function workersProject(name: string, { isolate, include = ["test/**/*.test.ts"], exclude = [] }: { isolate: boolean; include?: string[]; exclude?: string[] }) {
  return {
    plugins: [
      cloudflareTest({
        main: "./test/support/testWorker.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ALLOW_ANONYMOUS: "true" },
          durableObjects: { TEST_STREAMS: { className: "TestStreams", useSQLite: true } },
        },
      }),
    ],
    test: {
      name,
      isolate,
      include,
      // configDefaults' too: test/node_modules holds the tests' protocol oracles, whose packages ship tests of their own.
      exclude: [...configDefaults.exclude, ...exclude, "test/**/*.socket.test.ts", "test/**/*.browser.test.ts", "test/toolkit/**"],
      // The fake OpenAI upstream runs in Node; the Worker under test reaches it on 127.0.0.1.
      globalSetup: ["test/node/globalSetup.ts"],
      // Pre-bundled once: loaded module by module, openai and zod cost every test file ~3 s before its first request.
      deps: { optimizer: { ssr: { enabled: true, include: ["openai", "zod"] } } },
    },
  };
}

export default defineConfig({
  test: {
    // Two files at a time (most of a file's time is waiting on workerd or a socket). Files running at once share the
    // fake upstream, so each counts only its own requests (a tag in its base URL).
    maxWorkers: 2,
    projects: [
      // Fast: the Worker and the toolkit inside workerd (Miniflare), called without sockets. Files share one runtime
      // (isolate: false, half the time of one per file), so every test client has an address of its own
      // (newClientIp). The upload and tus tests measure the isolate's upload memory budget, which any upload running
      // beside them would take from: theirs is a runtime per file.
      workersProject("workers", { isolate: false, exclude: [UPLOAD_BUDGET_TESTS] }),
      workersProject("workers-uploads", { isolate: true, include: [UPLOAD_BUDGET_TESTS] }),
      // The demo page in Chromium, Chrome or Edge, driven by playwright-core, against `wrangler dev` on 127.0.0.1.
      ...(browserTests
        ? [{ test: { name: "browser", include: ["test/**/*.browser.test.ts"], environment: "node", isolate: false, testTimeout: 30_000, hookTimeout: 60_000 } }]
        : []),
      {
        // The toolkit's own shape, read from the files: what it imports, and that it builds alone.
        test: { name: "toolkit", include: ["test/toolkit/**/*.test.ts"], environment: "node", isolate: false, testTimeout: 60_000 },
      },
      {
        // Real sockets: the Worker served on 127.0.0.1 by wrangler's test harness, driven from Node.
        test: {
          name: "e2e",
          include: ["test/**/*.socket.test.ts"],
          exclude: [...configDefaults.exclude, CONFORMANCE],
          environment: "node",
          isolate: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The Durable Streams conformance suite: 338 tests, one at a time as the suite is written (its tests name
        // streams by the millisecond), mostly waiting (long-polls, TTLs, SSE timeouts). Vitest hands out files
        // project by project in name order: this name sorts first, so its minute overlaps the rest. Its timing tests
        // (a 2 s TTL checked 1.5 s apart) are retried once, for a machine the rest of the run keeps busy.
        test: { name: "Durable Streams conformance", include: [CONFORMANCE], environment: "node", testTimeout: 30_000, hookTimeout: 60_000, retry: 1 },
      },
    ],
  },
});
