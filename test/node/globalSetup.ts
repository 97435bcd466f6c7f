import type { TestProject } from "vitest/node";
import { startFakeOpenAI } from "./fakeOpenAI";
import { startOrigin } from "./originServer";

/** Starts the fake OpenAI upstream and the proxy's origin in Node for the workerd tests, which reach them on 127.0.0.1. */
export default async function setup(project: TestProject) {
  const [fake, origin] = await Promise.all([startFakeOpenAI(), startOrigin()]);
  project.provide("fakeOpenAI", fake.url);
  project.provide("origin", origin.url);
  return async () => {
    await Promise.all([fake.close(), origin.close()]);
  };
}
