import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import entry from "./testWorker";

/**
 * A client address of its own: random in 100.64.0.0/10 (4 million), so no two clients of a run share a rate-limit key,
 * whichever files run in the one workerd the workers project shares.
 */
export function newClientIp(): string {
  const n = crypto.getRandomValues(new Uint32Array(1))[0]! & 0x3fffff;
  return `100.${64 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * Calls the Worker's fetch handler with its env plus `vars`, as a new client (its own rate-limit key). `path` is a path
 * on http://worker, or a whole URL when the host matters.
 */
export function callWorker(path: string, init: RequestInit = {}, vars: Partial<Env> = {}): Promise<Response> {
  const request = new Request(path.startsWith("http") ? path : `http://worker${path}`, init);
  if (!request.headers.has("cf-connecting-ip")) request.headers.set("cf-connecting-ip", newClientIp());
  return entry.fetch(request, { ...env, ...vars }, createExecutionContext());
}

/** A `fetch` for an SDK pointed at the Worker: each request goes to the Worker's fetch handler with these vars. */
export function workerFetch(vars: Partial<Env> = {}): typeof fetch {
  return (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    return callWorker(url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body, signal: request.signal }, vars);
  };
}

// This test file's tag on the fake upstream, which test files running at once share: its requests are counted apart.
const TAG = crypto.randomUUID().slice(0, 8);

/**
 * The vars that point the Worker at the fake upstream in one of its modes, with short timeouts: a silent upstream
 * fails in a second, and a paced one (150 ms a token at most here) keeps well inside it on a loaded machine.
 */
export function upstream(mode: string): Partial<Env> {
  return {
    OPENAI_API_KEY: "sk-test-secret",
    OPENAI_BASE_URL: `${inject("fakeOpenAI")}/@${TAG}/${mode}/v1`,
    CHAT_FIRST_TOKEN_TIMEOUT_MS: "1000",
    CHAT_IDLE_TIMEOUT_MS: "1000",
  };
}

/** What the fake upstream has seen from this test file, newest last. */
export async function upstreamRequests(): Promise<
  { path: string; authorization?: string; anthropic: { apiKey?: string; version?: string; beta?: string }; body: unknown; tokensSent: number; abortedAt: number | null }[]
> {
  return (await fetch(`${inject("fakeOpenAI")}/_requests?tag=${TAG}`)).json();
}

/** A JSON POST. */
export function postJSON(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
