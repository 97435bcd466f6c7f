import * as z from "zod";
import { describeIssue, ImageURL, Metadata, ReasoningEffort, ToolName, type ChatRequestBody } from "../../model/chatParams";
import { HttpError } from "../../streams/HttpError";

// What a Responses API caller may send, field by field; the rest is dropped. The chat caps apply after translation.
const InputText = z.object({ type: z.literal("input_text"), text: z.string() });
const InputImage = z.object({
  type: z.literal("input_image"),
  image_url: ImageURL,
  detail: z.enum(["auto", "low", "high"]).optional(),
});
const OutputText = z.object({ type: z.literal("output_text"), text: z.string() });
const Refusal = z.object({ type: z.literal("refusal"), refusal: z.string() });
const Message = z.object({
  type: z.literal("message").optional(),
  role: z.enum(["user", "system", "developer", "assistant"]),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [InputText, InputImage, OutputText, Refusal])).max(256)]),
});
const FunctionCall = z.object({
  type: z.literal("function_call"),
  call_id: z.string().min(1).max(256),
  name: z.string().min(1).max(64),
  arguments: z.string(),
});
const FunctionCallOutput = z.object({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1).max(256),
  output: z.union([z.string(), z.array(InputText)]),
});
// Reasoning items come back from clients that replay a whole turn; the model does not take them in chat form.
const Reasoning = z.looseObject({ type: z.literal("reasoning") });
const Item = z.union([Message, FunctionCall, FunctionCallOutput, Reasoning]);

const ResponsesRequest = z.object({
  model: z.string().optional(),
  input: z.union([z.string(), z.array(Item).min(1).max(2048)]),
  instructions: z.string().nullish(),
  tools: z.array(z.object({
    type: z.literal("function"),
    name: ToolName,
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  })).max(128).optional(),
  tool_choice: z.union([z.enum(["none", "auto", "required"]), z.object({ type: z.literal("function"), name: z.string().max(64) })]).optional(),
  parallel_tool_calls: z.boolean().nullish(),
  max_output_tokens: z.int().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  reasoning: z.object({ effort: ReasoningEffort.nullish(), summary: z.string().nullish() }).nullish(),
  text: z.object({
    format: z.discriminatedUnion("type", [
      z.object({ type: z.enum(["text", "json_object"]) }),
      z.object({ type: z.literal("json_schema"), name: z.string(), schema: z.record(z.string(), z.unknown()), description: z.string().optional(), strict: z.boolean().nullish() }),
    ]).optional(),
  }).nullish(),
  metadata: Metadata.nullish(),
  user: z.string().max(256).optional(),
  previous_response_id: z.string().max(64).nullish(),
  stream: z.boolean().nullish(),
  background: z.boolean().nullish(),
  store: z.boolean().nullish(),
});

export type ResponsesRequest = z.output<typeof ResponsesRequest>;

/** Checks a Responses API request; a bad value is a 400 naming the field. */
export function responsesRequest(body: unknown): ResponsesRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad("the body must be a JSON object");
  const checked = ResponsesRequest.safeParse(body);
  if (!checked.success) throw bad(describeIssue(checked.error.issues[0]!));
  return checked.data;
}

/**
 * The chat request a Responses request becomes (translate mode): `instructions` a system message, each input item a
 * chat message (function calls and their outputs as assistant tool calls and tool messages), tools and formats in
 * chat's shape. `history` is what came before (`previous_response_id`), already in chat form.
 */
export function toChatRequest(request: ResponsesRequest, history: unknown[] = []): ChatRequestBody {
  const messages: Record<string, unknown>[] = [];
  if (request.instructions) messages.push({ role: "system", content: request.instructions });
  messages.push(...(history as Record<string, unknown>[]));
  const items = typeof request.input === "string" ? [{ role: "user" as const, content: request.input }] : request.input;
  for (const item of items) {
    if (!("type" in item) || item.type === "message" || item.type === undefined) {
      const message = item as z.output<typeof Message>;
      messages.push({ role: message.role, content: typeof message.content === "string" ? message.content : message.content.map(chatPart) });
    } else if (item.type === "function_call") {
      const call = { id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } };
      // Calls that follow an assistant message (its text, or other calls) belong to it, as chat has them.
      const last = messages.at(-1);
      if (last?.role === "assistant") (last.tool_calls as unknown[] | undefined)?.push(call) ?? (last.tool_calls = [call]);
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (item.type === "function_call_output") {
      const output = typeof item.output === "string" ? item.output : item.output.map((part) => part.text).join("");
      messages.push({ role: "tool", tool_call_id: item.call_id, content: output });
    }
  }
  const format = request.text?.format;
  return {
    model: request.model,
    messages,
    ...(request.tools ? { tools: request.tools.map(({ type, ...fn }) => ({ type, function: dropNulls(fn) })) } : {}),
    ...(request.tool_choice ? { tool_choice: typeof request.tool_choice === "string" ? request.tool_choice : { type: "function", function: { name: request.tool_choice.name } } } : {}),
    ...(request.parallel_tool_calls != null ? { parallel_tool_calls: request.parallel_tool_calls } : {}),
    ...(request.max_output_tokens != null ? { max_tokens: request.max_output_tokens } : {}),
    ...(request.temperature != null ? { temperature: request.temperature } : {}),
    ...(request.top_p != null ? { top_p: request.top_p } : {}),
    ...(request.reasoning?.effort ? { reasoning_effort: request.reasoning.effort } : {}),
    ...(format?.type === "json_object" ? { response_format: { type: "json_object" } } : {}),
    ...(format?.type === "json_schema"
      ? { response_format: { type: "json_schema", json_schema: dropNulls({ name: format.name, schema: format.schema, description: format.description, strict: format.strict }) } }
      : {}),
    ...(request.metadata ? { metadata: request.metadata } : {}),
    ...(request.user ? { user: request.user } : {}),
  };
}

function chatPart(part: { type: string; text?: string; refusal?: string; image_url?: string; detail?: string }): unknown {
  if (part.type === "input_image") return { type: "image_url", image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) } };
  if (part.type === "refusal") return { type: "refusal", refusal: part.refusal };
  return { type: "text", text: part.text };
}

function dropNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v != null));
}

function bad(message: string): HttpError {
  return new HttpError(400, "bad_request", message);
}
