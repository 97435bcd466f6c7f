import type { TestProject } from "vitest/node";
import { startFakeOpenAI } from "./fakeOpenAI";
import { startOrigin } from "./originServer";

declare module "vitest" {
  export interface ProvidedContext {
    /** The fake OpenAI-compatible upstream's origin: `${fakeOpenAI}/<mode>/v1` is a base URL. */
    fakeOpenAI: string;
    /** An origin for the proxy (test/node/originServer.ts). */
    origin: string;
  }
}

/** Starts the fake OpenAI upstream and the proxy's origin in Node for the workerd tests, which reach them on 127.0.0.1. */
export default async function setup(project: TestProject) {
  const [fake, origin] = await Promise.all([startFakeOpenAI(), startOrigin()]);
  project.provide("fakeOpenAI", fake.url);
  project.provide("origin", origin.url);
  return async () => {
    await Promise.all([fake.close(), origin.close()]);
  };
}
