import { DurableStream, producersOf } from "../streams/durable/DurableStream";
import type { Framing } from "../streams/framing";
import type { Feature } from "./Feature";

/**
 * The Durable Object class behind the Worker's durable streams (wrangler.toml binds it as STREAMS): the toolkit's
 * durable core with every feature's producers and framings. `src/index.ts` exports it under the bound name.
 */
export function streamObject(features: Feature[]) {
  const producers = producersOf(...features.flatMap((feature) => feature.producers ?? []));
  const framings: Framing[] = features.flatMap((feature) => feature.framings ?? []);
  return class extends DurableStream<Env> {
    producers = producers;

    override framings(streamId: string): Framing[] {
      return [...super.framings(streamId), ...framings];
    }
  };
}
