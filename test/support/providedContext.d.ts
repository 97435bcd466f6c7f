// What test/node/globalSetup.ts provides to the workerd tests: the origins of the servers it starts on 127.0.0.1.
declare module "vitest" {
  export interface ProvidedContext {
    /** The fake OpenAI-compatible upstream: `${fakeOpenAI}/<mode>/v1` is a base URL. */
    fakeOpenAI: string;
    /** An origin for the proxy (test/node/originServer.ts). */
    origin: string;
  }
}
export {};
