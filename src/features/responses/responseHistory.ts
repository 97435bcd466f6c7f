import type OpenAI from "openai";
import type { StreamSnapshot } from "../../streams/durable/DurableStream";
import { HttpError } from "../../streams/HttpError";
import type { StoredResponse } from "./responsesProducer";

/**
 * The conversation a stored response continues (`previous_response_id`), in chat form: the messages it was asked
 * with, then its output (text as the assistant's, function calls as its tool calls). Its instructions are not carried
 * over, as OpenAI does not carry them.
 */
export function responseHistory(snapshot: StreamSnapshot | undefined): unknown[] {
  const input = snapshot?.kept as StoredResponse | undefined;
  if (!snapshot || input?.mode !== "translate") {
    throw new HttpError(400, "bad_request", "previous_response_id: no stored response has this id (background or store: true responses are kept)");
  }
  if (snapshot.end?.kind !== "done") throw new HttpError(400, "bad_request", "previous_response_id: that response has not completed");
  const response = snapshot.end.value as OpenAI.Responses.Response;
  const history: unknown[] = input.params.messages.filter((m) => m.role !== "system" && m.role !== "developer");
  let text = "";
  const calls: unknown[] = [];
  for (const item of response.output) {
    if (item.type === "message") for (const part of item.content) text += part.type === "output_text" ? part.text : "";
    if (item.type === "function_call") calls.push({ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } });
  }
  if (text || calls.length > 0) history.push({ role: "assistant", content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
  return history;
}
