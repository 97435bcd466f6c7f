import type OpenAI from "openai";
import { HttpError } from "../streams/HttpError";

/** One fragment of a tool call as a chunk carries it; `index` is set by `ToolCalls.push` when the upstream left it out. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

// Far more calls than any model makes in one answer: a larger index is a broken upstream, not a big answer.
const MAX_CALLS = 128;

/**
 * The tool calls of one answer, assembled from their fragments. It also mends what some upstreams send, in place, so
 * the fragments relay in OpenAI's shape: no `index` (Ollama, Gemini's compatible API: a call with a new id is a new
 * call, one without an id goes on the last), a name sent again with every fragment, arguments sent as an object.
 */
export class ToolCalls {
  /** The calls so far, in index order. */
  readonly calls: OpenAI.ChatCompletionMessageFunctionToolCall[] = [];
  #last = -1;

  /** Adds a chunk's fragments to their calls, mending each in place first. */
  push(fragments: ToolCallDelta[]): void {
    for (const fragment of fragments) {
      if (typeof fragment.index !== "number") {
        const last = this.calls[this.#last];
        const fresh = !last || (fragment.id ? fragment.id !== last.id : Boolean(fragment.function?.name && last.function.name));
        fragment.index = fresh ? this.calls.length : this.#last;
      }
      const { index } = fragment;
      if (!Number.isInteger(index) || index < 0 || index >= MAX_CALLS) {
        throw new HttpError(502, "upstream_malformed", "the model provider sent a malformed tool call");
      }
      const fn = fragment.function;
      if (fn && typeof fn.arguments === "object" && fn.arguments !== null) fn.arguments = JSON.stringify(fn.arguments);
      let call = this.calls[index];
      if (!call) {
        call = { id: "", type: "function", function: { name: "", arguments: "" } };
        this.calls[index] = call;
      }
      call.id ||= fragment.id ?? "";
      call.function.name ||= fn?.name ?? "";
      if (fn?.arguments) call.function.arguments += fn.arguments;
      this.#last = index;
    }
  }

  /** The assembled calls, or undefined when there were none. */
  get assembled(): OpenAI.ChatCompletionMessageFunctionToolCall[] | undefined {
    const calls = this.calls.filter(Boolean);
    return calls.length > 0 ? calls : undefined;
  }
}
