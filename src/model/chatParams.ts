import type OpenAI from "openai";
import * as z from "zod";
import { HttpError } from "../streams/HttpError";
import type { LLMConfig } from "./modelSettings";

// What a caller may send, field by field, with OpenAI's own caps. Objects drop keys they do not name: only what is
// checked here reaches the paid model. The prompt's size is capped separately, over everything forwarded.
const text = z.string();
// Shared with the Responses API's request (src/features/responses/responsesRequest.ts), so both forward the same things.
/** An image the model's provider fetches, never this Worker: a remote URL, or inline bytes. */
export const ImageURL = z.string().regex(/^(https?:\/\/|data:image\/[\w.+-]+;base64,)/, "must be an http(s) URL or a data:image/…;base64, URL");
/** A function tool's name, as OpenAI allows it. */
export const ToolName = z.string().regex(/^[\w-]{1,64}$/, "must be 1 to 64 letters, digits, _ or -");
export const ReasoningEffort = z.enum(["none", "minimal", "low", "medium", "high", "xhigh"]);
export const Metadata = z.record(z.string().max(64), z.string().max(512)).refine((pairs) => Object.keys(pairs).length <= 16, "at most 16 pairs");
const name = z.string().max(64).optional();
const TextPart = z.object({ type: z.literal("text"), text });
const RefusalPart = z.object({ type: z.literal("refusal"), refusal: text });
const ImagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    // A remote image goes on as its URL: the model's provider fetches it, never this Worker.
    url: ImageURL,
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
const AudioPart = z.object({ type: z.literal("input_audio"), input_audio: z.object({ data: text, format: z.enum(["wav", "mp3"]) }) });
const FilePart = z.object({
  type: z.literal("file"),
  file: z.object({ file_data: text.optional(), file_id: z.string().max(256).optional(), filename: z.string().max(256).optional() }),
});
const parts = <T extends z.ZodType>(part: T) => z.array(part).min(1).max(256);
const ToolCall = z.object({
  id: z.string().min(1).max(256),
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1).max(64), arguments: text }),
});

const Message = z.discriminatedUnion("role", [
  z.object({ role: z.enum(["system", "developer"]), content: z.union([text, parts(TextPart)]), name }),
  z.object({ role: z.literal("user"), content: z.union([text, parts(z.discriminatedUnion("type", [TextPart, ImagePart, AudioPart, FilePart]))]), name }),
  z.object({
    role: z.literal("assistant"),
    content: z.union([text, parts(z.discriminatedUnion("type", [TextPart, RefusalPart]))]).nullish(),
    refusal: text.nullish(),
    tool_calls: z.array(ToolCall).max(128).optional(),
    name,
  }),
  z.object({ role: z.literal("tool"), content: z.union([text, parts(TextPart)]), tool_call_id: z.string().min(1).max(256) }),
]);

const JSONSchema = z.record(z.string(), z.unknown());
const Tool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: ToolName,
    description: text.optional(),
    parameters: JSONSchema.optional(),
    strict: z.boolean().nullish(),
  }),
});

const ChatRequest = z.object({
  messages: z.array(Message).min(1).max(2048),
  tools: z.array(Tool).max(128).optional(),
  tool_choice: z.union([
    z.enum(["none", "auto", "required"]),
    z.object({ type: z.literal("function"), function: z.object({ name: z.string().max(64) }) }),
  ]).optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: z.discriminatedUnion("type", [
    z.object({ type: z.enum(["text", "json_object"]) }),
    z.object({
      type: z.literal("json_schema"),
      json_schema: z.object({ name: z.string().regex(/^[\w-]{1,64}$/), description: text.optional(), schema: JSONSchema.optional(), strict: z.boolean().nullish() }),
    }),
  ]).optional(),
  stop: z.union([z.string().max(256), z.array(z.string().max(256)).max(4)]).nullish(),
  seed: z.int().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  logit_bias: z.record(z.string().regex(/^\d+$/, "keys must be token ids"), z.number().min(-100).max(100))
    .refine((bias) => Object.keys(bias).length <= 300, "at most 300 token ids").optional(),
  logprobs: z.boolean().optional(),
  top_logprobs: z.int().min(0).max(20).optional(),
  reasoning_effort: ReasoningEffort.optional(),
  user: z.string().max(256).optional(),
  metadata: Metadata.optional(),
});

/** What is sent upstream: the checked request, a model from the allow-list and a token cap. */
export type ChatParams = Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, "stream">;

/** A chat request as `/api/chat` and `/v1/chat/completions` take it. */
export interface ChatRequestBody {
  model?: unknown;
  messages?: unknown;
  message?: unknown;
  n?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  [field: string]: unknown;
}

/**
 * Checks a chat request against the caps: 400 naming the field for a bad value, a model off the list, too many tokens
 * or `n` over 1; 413 for a prompt over the cap. Returns only what passed, which is all that goes upstream.
 */
export function chatParams(body: ChatRequestBody, config: LLMConfig): ChatParams {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad("the body must be a JSON object");
  const given = typeof body.message === "string" ? { ...body, messages: [{ role: "user", content: body.message }] } : body;
  const checked = ChatRequest.safeParse(given);
  if (!checked.success) throw bad(describeIssue(checked.error.issues[0]!));
  const request = checked.data;
  const promptChars = forwardedChars(request);
  if (promptChars > config.maxPromptChars) {
    throw new HttpError(413, "prompt_too_large", `the prompt must be at most ${config.maxPromptChars} characters (text, tool calls, tools and schemas, image URLs), not ${promptChars}`);
  }
  const model = body.model ?? config.model;
  if (typeof model !== "string" || !config.models.includes(model)) {
    throw new HttpError(400, "model_not_allowed", `model must be one of: ${config.models.join(", ")}`);
  }
  if (body.n !== undefined && body.n !== 1) {
    throw bad("n: must be 1: answers are relayed one choice at a time, and each extra choice is paid for in full");
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? config.maxTokens;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > config.maxTokens) {
    throw new HttpError(400, "max_tokens_too_large", `max_tokens must be an integer from 1 to ${config.maxTokens}`);
  }
  // The caller's spelling goes on; reasoning models take only max_completion_tokens, older servers only max_tokens.
  const completionSpelling = body.max_completion_tokens !== undefined || (body.max_tokens === undefined && request.reasoning_effort);
  const cap = completionSpelling ? { max_completion_tokens: maxTokens as number } : { max_tokens: maxTokens as number };
  return { ...request, model, ...cap } as ChatParams;
}

/** The characters the prompt sends: every text, tool call, tool definition, schema, image URL and file. */
function forwardedChars(request: z.output<typeof ChatRequest>): number {
  let chars = 0;
  const count = (content: unknown) => {
    if (typeof content === "string") return void (chars += content.length);
    if (!Array.isArray(content)) return;
    for (const part of content) {
      chars += (part.text ?? part.refusal ?? part.image_url?.url ?? part.input_audio?.data ?? part.file?.file_data ?? "").length;
    }
  };
  for (const message of request.messages) {
    count(message.content);
    if (message.role === "assistant") {
      count(message.refusal);
      for (const call of message.tool_calls ?? []) chars += call.function.name.length + call.function.arguments.length;
    }
  }
  for (const tool of request.tools ?? []) chars += JSON.stringify(tool.function).length;
  if (request.response_format?.type === "json_schema") chars += JSON.stringify(request.response_format.json_schema).length;
  return chars;
}

/**
 * `messages[2].content[0].image_url.url: must be …`: where a zod problem is, and what it is. `roles` names the roles a
 * message may have (a protocol's own: Anthropic's are not OpenAI's).
 */
export function describeIssue(issue: z.core.$ZodIssue, at: PropertyKey[] = [], roles = "system, developer, user, assistant or tool"): string {
  const path = [...at, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // A union failed: the branch that got furthest (a string-or-parts content that was parts) says what is wrong.
    const deepest = issue.errors.map((branch) => branch[0]!).reduce((a, b) => (b.path.length > a.path.length ? b : a));
    return describeIssue(deepest, path, roles);
  }
  const where = path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("");
  if (issue.code === "invalid_union" && path.at(-1) === "role") return `${where}: must be ${roles}`;
  return where ? `${where}: ${issue.message}` : issue.message;
}

function bad(message: string): HttpError {
  return new HttpError(400, "bad_request", message);
}
