import type { IRequest } from "itty-router";
import { settings } from "../../settings";
import { sleep } from "../../streams/sleep";
import { sse } from "../../streams/framing";
import { streamResponse, type StreamContext } from "../../streams/streamResponse";

const FIRST_DELAY_MS = 20;
const GROWTH = 1.03;

/** GET /api/ticker: an SSE stream of ticks on a growing delay, until the client leaves. */
export function ticker(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const { heartbeatMs } = settings(env);
  return streamResponse(request, { route: request.route, format: sse, heartbeatMs, ctx }, ticks);
}

async function* ticks({ signal }: StreamContext) {
  let delay = FIRST_DELAY_MS;
  for (let tick = 1; ; tick++) {
    // Rejects as soon as the client leaves, clearing the timer: nothing keeps ticking for nobody.
    await sleep(delay, signal);
    yield { tick, delayMs: Math.round(delay), at: new Date().toISOString() };
    delay *= GROWTH;
  }
}
