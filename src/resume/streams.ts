import type { IRequest } from "itty-router";
import { requireToken } from "../http/requireToken";
import { settings } from "../settings";
import { cancelDurable, readDurable, type Durable } from "../streams/durable/durableResponse";
import { checkStreamId } from "../streams/durable/streamId";

/** The durable streams of this Worker: the STREAMS objects (src/index.ts's StreamObject) and the DURABLE_* limits. */
export function durable(env: Env): Durable {
  return { streams: env.STREAMS, limits: settings(env).durable };
}

/**
 * GET /api/streams/:streamId (and /api/chat/:streamId): a durable stream read from a position (`Last-Event-ID`, or
 * `?after=`, the records the reader has), then followed live. The id is all a reader needs, and API_TOKEN when set.
 */
export async function readStream(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env);
  return readDurable(request, durable(env).streams, checkStreamId(request.params.streamId));
}

/** DELETE /api/streams/:streamId (and /api/chat/:streamId): stops the producer, tells the readers, deletes the record. */
export async function cancelStream(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env);
  await cancelDurable(durable(env).streams, checkStreamId(request.params.streamId));
  return new Response(null, { status: 204 });
}
