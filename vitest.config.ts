import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Fast: the Worker and the toolkit inside workerd (Miniflare), called without sockets.
        // ALLOW_ANONYMOUS as `npm start` sets it; the tests of the committed (closed) default set it back to false.
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: { ALLOW_ANONYMOUS: "true" } } })],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/browser/**", "test/toolkit/**"],
          // The fake OpenAI upstream runs in Node; the Worker under test reaches it on 127.0.0.1.
          globalSetup: ["test/node/globalSetup.ts"],
          // Pre-bundled once: loaded module by module, openai and zod cost every test file ~3 s before its first request.
          deps: { optimizer: { ssr: { enabled: true, include: ["openai", "zod"] } } },
        },
      },
      {
        // The demo page in Debian's Chromium, driven by playwright-core, against `wrangler dev` on 127.0.0.1.
        test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        // The toolkit's own shape, read from the files: what it imports, and that it builds alone.
        test: { name: "toolkit", include: ["test/toolkit/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
      },
      {
        // Real sockets: the Worker served on 127.0.0.1 by wrangler's test harness, driven from Node.
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", testTimeout: 30_000, hookTimeout: 60_000 },
      },
    ],
  },
});
