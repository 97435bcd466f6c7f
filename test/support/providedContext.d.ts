// The value test/node/globalSetup.ts provides to the workerd tests.
declare module "vitest" {
  export interface ProvidedContext {
    fakeOpenAI: string;
    origin: string;
  }
}
export {};
