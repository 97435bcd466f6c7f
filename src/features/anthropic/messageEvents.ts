import type { ChatRecord } from "../../model/chatRecords";
import type { ChatSummary } from "../../model/streamChat";

/** A content block of an answer, as Anthropic's Message holds it. */
export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: unknown };

/** Anthropic's usage, as `message_start`, `message_delta` and the finished Message carry it. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
}

/** The answer as Anthropic's Message: what `message_start` opens with, and what a `stream: false` caller gets. */
export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal" | "pause_turn" | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** One event of the stream, as the producer sends it (`message_delta` and `message_stop` are the framing's end). */
export type MessageEvent = { type: string; [field: string]: unknown };

const STOP: Record<string, AnthropicMessage["stop_reason"]> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", content_filter: "refusal" };

/** A new Message with nothing in it yet. */
export function emptyMessage(model: string, inputTokens: number): AnthropicMessage {
  return {
    id: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: 0 },
  };
}

/**
 * Turns chat records into the Messages API's events, as the Anthropic SDK reads them, and gathers the Message they
 * make. `message_start` waits for the first record, so a model that fails before it is still an HTTP status. Each
 * kind of record is a block: text (a refusal too), thinking (the upstream's reasoning, closed with a `signature_delta`,
 * which the format requires of every thinking block: an opaque mark, as there is no Anthropic signature to give), a
 * tool call (its arguments as `input_json_delta`, fragment for fragment as they arrive). Blocks never interleave: a new
 * kind closes the open one.
 */
export function messageEvents(send: (event: MessageEvent) => void, message: AnthropicMessage) {
  let open: ContentBlock | undefined;
  let started = false;
  // Each tool call's block and its position: text after a call's first fragment closes the call's block before the
  // call is finished, and the call's later fragments and its input still go to its own block.
  const calls = new Map<number, { block: Extract<ContentBlock, { type: "tool_use" }>; at: number }>();
  const index = () => message.content.length - 1;
  const begin = () => {
    if (started) return;
    started = true;
    send({ type: "message_start", message: { ...message, content: [] } });
  };
  const close = () => {
    if (!open) return;
    if (open.type === "thinking") {
      open.signature = `edge-streams:${message.id}:${index()}`;
      send({ type: "content_block_delta", index: index(), delta: { type: "signature_delta", signature: open.signature } });
    }
    send({ type: "content_block_stop", index: index() });
    open = undefined;
  };
  const start = (block: ContentBlock) => {
    begin();
    close();
    message.content.push(block);
    open = block;
    const empty = block.type === "text" ? { type: "text", text: "" } : block.type === "thinking" ? { type: "thinking", thinking: "", signature: "" } : { ...block, input: {} };
    send({ type: "content_block_start", index: index(), content_block: empty });
  };
  const text = (delta: string) => {
    if (open?.type !== "text") start({ type: "text", text: "" });
    (open as { text: string }).text += delta;
    send({ type: "content_block_delta", index: index(), delta: { type: "text_delta", text: delta } });
  };
  return {
    record(record: ChatRecord): void {
      if (typeof record === "string") return text(record);
      switch (record.event) {
        case "reasoning":
          if (open?.type !== "thinking") start({ type: "thinking", thinking: "", signature: "" });
          (open as { thinking: string }).thinking += record.data;
          return send({ type: "content_block_delta", index: index(), delta: { type: "thinking_delta", thinking: record.data } });
        case "refusal":
          return text(record.data);
        case "tool-call-start": {
          const block = { type: "tool_use" as const, id: record.data.id || `toolu_${record.data.index}`, name: record.data.name, input: {} };
          start(block);
          calls.set(record.data.index, { block, at: index() });
          return;
        }
        case "tool-call-delta": {
          const call = calls.get(record.data.index);
          if (call) send({ type: "content_block_delta", index: call.at, delta: { type: "input_json_delta", partial_json: record.data.arguments } });
          return;
        }
        case "tool-call": {
          const call = calls.get(record.data.index);
          if (!call) return;
          // The arguments, parsed once whole; broken JSON from the model is no input (the stream sent it as it came).
          call.block.input = record.data.invalid ? {} : record.data.arguments ?? {};
          if (open === call.block) close();
          return;
        }
      }
    },
    /** Closes the open block and finishes the Message: its stop reason and usage, for the framing's `message_delta`. */
    end(summary: ChatSummary): AnthropicMessage {
      begin();
      close();
      message.stop_reason = STOP[summary.finish_reason ?? ""] ?? "end_turn";
      if (summary.usage) {
        message.usage = { input_tokens: summary.usage.prompt_tokens, output_tokens: summary.usage.completion_tokens };
        const cached = summary.usage.prompt_tokens_details?.cached_tokens;
        if (cached) message.usage.cache_read_input_tokens = cached;
      }
      return message;
    },
  };
}
