import type OpenAI from "openai";
import type { ChatRecord } from "../../model/chatRecords";
import type { ChatSummary } from "../../model/streamChat";

type Response = OpenAI.Responses.Response;
type Event = OpenAI.Responses.ResponseStreamEvent;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Item = Response["output"][number];

// Shared by every delta event: chat's deltas carry no logprobs for these events, and JSON writes it as [].
const NO_LOGPROBS = Object.freeze([]) as unknown as [];

/**
 * Turns chat records into the Responses API's stream events, as OpenAI sends them: `response.created` and
 * `response.in_progress` with the model's first delta (so a model that fails before it is still a status); each output
 * item (reasoning, a message with its text or refusal part, a function call) added, grown and done in order; then
 * `response.completed`, or `response.incomplete` when the answer was cut by its token cap or a content filter.
 * Every event carries its `sequence_number`, from 0: a background response resumes by it.
 */
export function responseEvents(send: (event: Event) => void, response: Response) {
  let sequence = 0;
  const emit = (event: DistributiveOmit<Event, "sequence_number">) => send({ ...event, sequence_number: sequence++ } as Event);
  const output: Item[] = [];
  let started = false;
  let items = 0;
  // The item being written, and within a message the part being written.
  let message: { item: OpenAI.Responses.ResponseOutputMessage; index: number; part?: { kind: "output_text" | "refusal"; index: number; text: string } } | undefined;
  let reasoning: { item: OpenAI.Responses.ResponseReasoningItem; index: number; text: string } | undefined;
  const calls = new Map<number, { item: OpenAI.Responses.ResponseFunctionToolCall; index: number }>();
  const itemId = (prefix: string) => `${prefix}_${response.id.slice("resp_".length)}_${++items}`;

  const begin = () => {
    if (started) return;
    started = true;
    emit({ type: "response.created", response });
    emit({ type: "response.in_progress", response });
  };
  const add = (item: Item): number => {
    output.push(item);
    emit({ type: "response.output_item.added", output_index: output.length - 1, item });
    return output.length - 1;
  };
  const closePart = () => {
    const part = message?.part;
    if (!message || !part) return;
    const base = { item_id: message.item.id, output_index: message.index, content_index: part.index };
    if (part.kind === "output_text") {
      emit({ type: "response.output_text.done", ...base, text: part.text, logprobs: [] });
      const done = { type: "output_text" as const, text: part.text, annotations: [] };
      message.item.content.push(done);
      emit({ type: "response.content_part.done", ...base, part: done });
    } else {
      emit({ type: "response.refusal.done", ...base, refusal: part.text });
      const done = { type: "refusal" as const, refusal: part.text };
      message.item.content.push(done);
      emit({ type: "response.content_part.done", ...base, part: done });
    }
    message.part = undefined;
  };
  const closeMessage = () => {
    if (!message) return;
    closePart();
    message.item.status = "completed";
    output[message.index] = message.item;
    emit({ type: "response.output_item.done", output_index: message.index, item: message.item });
    message = undefined;
  };
  const closeReasoning = () => {
    if (!reasoning) return;
    const base = { item_id: reasoning.item.id, output_index: reasoning.index, summary_index: 0 };
    const part = { type: "summary_text" as const, text: reasoning.text };
    emit({ type: "response.reasoning_summary_text.done", ...base, text: reasoning.text });
    emit({ type: "response.reasoning_summary_part.done", ...base, part });
    reasoning.item.summary = [part];
    output[reasoning.index] = reasoning.item;
    emit({ type: "response.output_item.done", output_index: reasoning.index, item: reasoning.item });
    reasoning = undefined;
  };
  const write = (kind: "output_text" | "refusal", delta: string) => {
    const open = message?.part;
    // The hot path: the next delta of the part being written, one event built in one literal.
    if (open?.kind === "output_text" && kind === "output_text") {
      open.text += delta;
      const { id: item_id } = message!.item;
      send({ type: "response.output_text.delta", item_id, output_index: message!.index, content_index: open.index, delta, logprobs: NO_LOGPROBS, sequence_number: sequence++ });
      return;
    }
    begin();
    closeReasoning();
    if (!message) {
      const item: OpenAI.Responses.ResponseOutputMessage = { id: itemId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] };
      message = { item, index: add({ ...item, content: [] }) };
    }
    if (message.part?.kind !== kind) {
      closePart();
      const index = message.item.content.length;
      message.part = { kind, index, text: "" };
      const part = kind === "output_text" ? { type: "output_text" as const, text: "", annotations: [] } : { type: "refusal" as const, refusal: "" };
      emit({ type: "response.content_part.added", item_id: message.item.id, output_index: message.index, content_index: index, part });
    }
    message.part.text += delta;
    const base = { item_id: message.item.id, output_index: message.index, content_index: message.part.index, delta };
    emit(kind === "output_text" ? { type: "response.output_text.delta", ...base, logprobs: NO_LOGPROBS } : { type: "response.refusal.delta", ...base });
  };

  return {
    record(record: ChatRecord): void {
      if (typeof record === "string") return write("output_text", record);
      switch (record.event) {
        case "refusal":
          return write("refusal", record.data);
        case "reasoning": {
          begin();
          closeMessage();
          if (!reasoning) {
            const item: OpenAI.Responses.ResponseReasoningItem = { id: itemId("rs"), type: "reasoning", summary: [] };
            reasoning = { item, index: add({ ...item }), text: "" };
            const part = { type: "summary_text" as const, text: "" };
            emit({ type: "response.reasoning_summary_part.added", item_id: item.id, output_index: reasoning.index, summary_index: 0, part });
          }
          reasoning.text += record.data;
          return emit({ type: "response.reasoning_summary_text.delta", item_id: reasoning.item.id, output_index: reasoning.index, summary_index: 0, delta: record.data });
        }
        case "tool-call-start": {
          begin();
          closeReasoning();
          closeMessage();
          const item: OpenAI.Responses.ResponseFunctionToolCall = {
            id: itemId("fc"),
            type: "function_call",
            status: "in_progress",
            call_id: record.data.id || `call_${record.data.index}`,
            name: record.data.name,
            arguments: "",
          };
          calls.set(record.data.index, { item, index: add({ ...item }) });
          return;
        }
        case "tool-call-delta": {
          const call = calls.get(record.data.index)!;
          call.item.arguments += record.data.arguments;
          return send({ type: "response.function_call_arguments.delta", item_id: call.item.id!, output_index: call.index, delta: record.data.arguments, sequence_number: sequence++ });
        }
        case "tool-call": {
          const call = calls.get(record.data.index)!;
          emit({ type: "response.function_call_arguments.done", item_id: call.item.id!, output_index: call.index, arguments: call.item.arguments, name: call.item.name } as DistributiveOmit<Event, "sequence_number">);
          call.item.status = "completed";
          output[call.index] = call.item;
          return emit({ type: "response.output_item.done", output_index: call.index, item: call.item });
        }
      }
    },

    /** Closes what is open and sends the last event; returns the finished response. */
    end(summary: ChatSummary): Response {
      begin();
      closeReasoning();
      closeMessage();
      const cut = summary.finish_reason === "length" ? "max_output_tokens" : summary.finish_reason === "content_filter" ? "content_filter" : undefined;
      const usage = summary.usage && {
        input_tokens: summary.usage.prompt_tokens,
        output_tokens: summary.usage.completion_tokens,
        total_tokens: summary.usage.total_tokens,
        input_tokens_details: { cached_tokens: summary.usage.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: 0 },
        output_tokens_details: { reasoning_tokens: summary.usage.completion_tokens_details?.reasoning_tokens ?? 0 },
      };
      const final = {
        ...response,
        status: cut ? "incomplete" : "completed",
        incomplete_details: cut ? { reason: cut } : null,
        output,
        // The SDKs' convenience field: the text of every message, joined.
        output_text: output.flatMap((item) => (item.type === "message" ? item.content : [])).map((part) => (part.type === "output_text" ? part.text : "")).join(""),
        ...(usage ? { usage } : {}),
      } as Response;
      emit(cut ? { type: "response.incomplete", response: final } : { type: "response.completed", response: final });
      return final;
    },
  };
}
