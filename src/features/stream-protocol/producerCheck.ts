import { HttpError } from "../../streams/HttpError";
import { integerHeader } from "./protocolHeaders";
import type { ProducerState } from "./StreamState";

/** An idempotent producer's request (PROTOCOL.md 5.2.1): `Producer-Id`, `Producer-Epoch`, `Producer-Seq`. */
export interface ProducerRequest {
  id: string;
  epoch: number;
  seq: number;
}

/** The producer headers: all three or none; the id not empty, the numbers non-negative integers. */
export function producerHeaders(headers: Headers): ProducerRequest | undefined {
  const id = headers.get("producer-id");
  const epoch = integerHeader(headers, "producer-epoch");
  const seq = integerHeader(headers, "producer-seq");
  if (id === null && epoch === undefined && seq === undefined) return undefined;
  if (id === null || epoch === undefined || seq === undefined) {
    throw new HttpError(400, "bad_producer", "Producer-Id, Producer-Epoch and Producer-Seq go together");
  }
  if (id.length === 0 || id.length > 256) throw new HttpError(400, "bad_producer", "Producer-Id must be 1 to 256 characters");
  return { id, epoch, seq };
}

/** What a producer's request gets: taken (with the state it leaves), a duplicate of one taken, or refused. */
export type ProducerVerdict = { taken: ProducerState } | { duplicate: ProducerState };

/**
 * Checks a request against its producer's state: a new epoch starts at seq 0, an older one is fenced off (403 with the
 * current epoch), a seq already taken is a duplicate, a seq past the next is a gap (409 with the one expected).
 * Changes nothing: the caller keeps the state it returns only once the append is recorded.
 */
export function checkProducer(state: ProducerState | undefined, request: ProducerRequest): ProducerVerdict {
  const { epoch, seq } = request;
  if (state && epoch < state.epoch) {
    throw new HttpError(403, "stale_epoch", `producer epoch ${epoch} was fenced off by epoch ${state.epoch}`, { "producer-epoch": String(state.epoch) });
  }
  if (state && epoch > state.epoch && seq !== 0) throw new HttpError(400, "bad_producer", "a new producer epoch starts at Producer-Seq 0");
  if (!state || epoch > state.epoch) {
    if (seq !== 0) throw gap(0, seq);
    return { taken: { epoch, seq: 0 } };
  }
  if (seq <= state.seq) return { duplicate: state };
  if (seq !== state.seq + 1) throw gap(state.seq + 1, seq);
  return { taken: { epoch, seq } };
}

function gap(expected: number, received: number): HttpError {
  return new HttpError(409, "sequence_gap", `expected Producer-Seq ${expected}, got ${received}`, {
    "producer-expected-seq": String(expected),
    "producer-received-seq": String(received),
  });
}

/** How the request that closed a stream is remembered, so its retry is recognised. */
export function producerKey(request: ProducerRequest): string {
  return `${request.epoch} ${request.seq} ${request.id}`;
}
