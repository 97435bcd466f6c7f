import type { Framing } from "../../streams/framing";
import { stringifyLine } from "../../streams/jsonl";
import { encodeSSE, encodeSSEJSON } from "../../streams/sse";

/**
 * The Responses API's stream: each record an event named by its `type` (`event: response.output_text.delta`), the
 * data its JSON with its `sequence_number`. The producer sends the last event itself (`response.completed`, …), so
 * the end writes nothing; a failure after the first event is OpenAI's `error` event, which the openai SDK throws.
 */
export const responsesFraming: Framing = {
  name: "responses",
  contentType: "text/event-stream",
  accepts: [],
  fixed: true,
  record: (value) => encodeSSEJSON(stringifyLine(value), (value as { type: string }).type),
  end: () => "",
  error: (error, seq) =>
    encodeSSE({ event: "error", data: stringifyLine({ type: "error", code: error.code, message: error.message, param: null, sequence_number: seq - 1 }) }),
  ping: encodeSSE({ comment: "ping" }),
};
