import type { Framing } from "../../streams/framing";
import { stringifyLine } from "../../streams/jsonl";
import { encodeSSE, encodeSSEJSON } from "../../streams/sse";
import { streamErrorType } from "./anthropicErrors";
import type { AnthropicMessage } from "./messageEvents";

const event = (value: { type: string }) => encodeSSEJSON(stringifyLine(value), value.type);

/**
 * Anthropic's Messages stream: each record an event named by its `type`. The end is `message_delta` (the stop reason
 * and the usage, from the finished Message the producer returns) and `message_stop`; a failure after the first event
 * is an `error` event, which the Anthropic SDK throws as its typed error; the heartbeat is Anthropic's own `ping`.
 */
export const messagesFraming: Framing = {
  name: "anthropic-messages",
  contentType: "text/event-stream",
  accepts: [],
  fixed: true,
  record: (value) => event(value as { type: string }),
  end: (summary) => {
    const { stop_reason, stop_sequence, usage } = summary as AnthropicMessage;
    return event({ type: "message_delta", delta: { stop_reason, stop_sequence }, usage } as { type: string }) + event({ type: "message_stop" });
  },
  error: (error) => event({ type: "error", error: { type: streamErrorType(error.code), message: error.message } } as { type: string }),
  ping: encodeSSE({ event: "ping", data: '{"type":"ping"}' }),
};
