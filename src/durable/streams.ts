import type { IRequest } from "itty-router";
import { requireToken } from "../http/requireToken";
import { settings } from "../settings";
import { durableSettings } from "./durableSettings";
import type { Framing } from "../streams/framing";
import type { NamedProducer } from "../streams/durable/DurableStream";
import { cancelDurable, durableResponse, readDurable, type Durable } from "../streams/durable/durableResponse";
import { streamResponse } from "../streams/streamResponse";
import { checkStreamId } from "../streams/durable/streamId";

/** The durable streams of this Worker: the STREAMS objects (src/index.ts's StreamObject) and the DURABLE_* limits. */
export function durable(env: Env): Durable {
  return { streams: env.STREAMS, limits: durableSettings(env) };
}

/**
 * GET /api/streams/:streamId (and a feature's own read URL, such as chat's): a durable stream read from a position
 * (`Last-Event-ID`, or `?after=`, the records the reader has), then followed live. The id is all a reader needs, and
 * API_TOKEN when set.
 */
export async function readStream(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env);
  return readDurable(request, durable(env).streams, checkStreamId(request.params.streamId));
}

/**
 * DELETE /api/streams/:streamId (and a feature's own, such as chat's): stops the producer, tells the readers, deletes
 * the record.
 */
export async function cancelStream(request: IRequest, env: Env): Promise<Response> {
  await requireToken(request, env);
  await cancelDurable(durable(env).streams, checkStreamId(request.params.streamId));
  return new Response(null, { status: 204 });
}

/** What a route streams: its producer and input, its framing, and where a durable one is read again. */
export interface RouteStream<I> {
  format: Framing;
  producer: NamedProducer<I, Env>;
  input: I;
  location: (streamId: string) => string;
}

/**
 * The one shape of a route that streams a producer: a plain stream, or, when the caller asks (`resume`), a durable one
 * that outlives the connection.
 */
export function streamOrDurable<I>(
  request: IRequest,
  env: Env,
  ctx: ExecutionContext,
  resume: boolean,
  stream: RouteStream<I>,
): Promise<Response> {
  const base = { route: request.route, format: stream.format, heartbeatMs: settings(env).heartbeatMs };
  if (!resume) return streamResponse(request, { ...base, ctx }, (context) => stream.producer.run(stream.input, context, env));
  const { streams, limits } = durable(env);
  return durableResponse(request, streams, { ...base, limits, producer: stream.producer, input: stream.input, location: stream.location });
}
