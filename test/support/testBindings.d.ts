// The binding vitest.config.ts adds for the durable core's own tests: on the tests' `env` only, not the Worker's Env.
declare namespace Cloudflare {
  interface Env {
    TEST_STREAMS: DurableObjectNamespace<import("./testWorker").TestStreams>;
  }
}
