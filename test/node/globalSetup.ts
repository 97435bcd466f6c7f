import type { TestProject } from "vitest/node";
import { startFakeOpenAI } from "./fakeOpenAI";

declare module "vitest" {
  export interface ProvidedContext {
    /** The fake OpenAI-compatible upstream's origin: `${fakeOpenAI}/<mode>/v1` is a base URL. */
    fakeOpenAI: string;
  }
}

/** Starts the fake OpenAI upstream in Node for the workerd tests, which reach it over 127.0.0.1. */
export default async function setup(project: TestProject) {
  const fake = await startFakeOpenAI();
  project.provide("fakeOpenAI", fake.url);
  return () => fake.close();
}
