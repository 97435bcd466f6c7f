import type { IRequest } from "itty-router";
import { settings } from "../../settings";
import { intParam } from "../../http/intParam";
import { text } from "../../streams/framing";
import { sleep } from "../../streams/sleep";
import { streamResponse } from "../../streams/streamResponse";

/** GET /api/chunks?count=&interval=: plain-text lines, one per chunk, `interval` ms apart (a slow upstream). */
export function chunks(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const count = intParam(url, "count", { min: 1, max: 10_000, fallback: 100 });
  const interval = intParam(url, "interval", { min: 0, max: 10_000, fallback: 100 });
  const { heartbeatMs } = settings(env);
  return streamResponse(request, { route: request.route, format: text, heartbeatMs, ctx }, async function* ({ signal }) {
    for (let n = 1; n <= count; n++) {
      if (n > 1) await sleep(interval, signal);
      yield `chunk ${n}/${count} ${new Date().toISOString()}\n`;
    }
    return { chunks: count };
  });
}
