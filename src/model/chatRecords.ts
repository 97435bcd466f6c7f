import { named, type NamedRecord } from "../streams/named";
import type { ChatDelta } from "./streamChat";
import type { ToolCalls } from "./ToolCalls";

/** A tool call, finished: its arguments parsed, or as sent with `invalid: true` when they are not JSON. */
export interface FinishedToolCall {
  index: number;
  id: string;
  name: string;
  arguments: unknown;
  invalid?: true;
}

/**
 * The records of `/api/chat`: each text delta a string (the default SSE event, so `EventSource.onmessage` and older
 * clients see only text), everything else a named record.
 */
export type ChatRecord =
  | string
  | NamedRecord<"reasoning" | "refusal", string>
  | NamedRecord<"tool-call-start", { index: number; id: string; name: string }>
  | NamedRecord<"tool-call-delta", { index: number; arguments: string }>
  | NamedRecord<"tool-call", FinishedToolCall>;

/**
 * Turns deltas into chat records. A tool call starts with its first fragment and is finished, its arguments parsed,
 * when the next call starts or the answer ends (`end`): calls come in index order, so a later index closes the one open.
 */
export function chatRecords(send: (record: ChatRecord) => void, calls: ToolCalls) {
  let open = -1;
  const finish = () => {
    const call = calls.calls[open];
    if (!call) return;
    const { id, function: { name, arguments: text } } = call;
    try {
      send(named("tool-call", { index: open, id, name, arguments: JSON.parse(text || "{}") as unknown }));
    } catch {
      send(named("tool-call", { index: open, id, name, arguments: text, invalid: true as const }));
    }
  };
  return {
    delta(delta: ChatDelta): void {
      const reasoning = delta.reasoning_content || delta.reasoning;
      if (reasoning) send(named("reasoning", reasoning));
      if (delta.refusal) send(named("refusal", delta.refusal));
      for (const fragment of delta.tool_calls ?? []) {
        const { index } = fragment;
        if (index > open) {
          finish();
          open = index;
          const call = calls.calls[index]!;
          send(named("tool-call-start", { index, id: call.id, name: call.function.name }));
        }
        if (fragment.function?.arguments) send(named("tool-call-delta", { index, arguments: fragment.function.arguments }));
      }
      if (delta.content) send(delta.content);
    },
    /** Finishes the call still open: the answer is complete. */
    end(): void {
      finish();
    },
  };
}
