import * as z from "zod";
import { describeIssue, type ChatRequestBody } from "../../model/chatParams";
import { HttpError } from "../../streams/HttpError";

// Anthropic's Messages API request, as far as this gateway carries it. Objects drop the keys they do not name
// (cache_control, citations, container…), and blocks and tools of kinds it does not carry are dropped before the check:
// only what is checked here goes upstream.
const Text = z.object({ type: z.literal("text"), text: z.string() });
const Image = z.object({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [
    z.object({ type: z.literal("base64"), media_type: z.enum(["image/jpeg", "image/png", "image/gif", "image/webp"]), data: z.string().min(1) }),
    z.object({ type: z.literal("url"), url: z.string().regex(/^https?:\/\//, "must be an http(s) URL") }),
  ]),
});
const ToolUse = z.object({ type: z.literal("tool_use"), id: z.string().min(1).max(256), name: z.string().min(1).max(128), input: z.record(z.string(), z.unknown()) });
const CARRIED = new Set(["text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking"]);
/** Blocks of a kind this gateway does not carry (documents, search results, server tools' results…) are dropped, not refused. */
const blocks = <T extends z.ZodType>(block: T) =>
  z.preprocess((value) => (Array.isArray(value) ? value.filter((b) => CARRIED.has((b as { type?: string } | null)?.type ?? "")) : value), z.array(block).max(4096));

const ToolResult = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1).max(256),
  content: z.union([z.string(), blocks(z.discriminatedUnion("type", [Text, Image]))]).optional(),
  is_error: z.boolean().optional(),
});
const Thinking = z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() });
const RedactedThinking = z.object({ type: z.literal("redacted_thinking"), data: z.string() });
const Block = z.discriminatedUnion("type", [Text, Image, ToolUse, ToolResult, Thinking, RedactedThinking]);
// A system message mid-conversation (Claude Code sends them, beta `mid-conversation-system`): text only.
const Message = z.discriminatedUnion("role", [
  z.object({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), blocks(Block)]) }),
  z.object({ role: z.literal("system"), content: z.union([z.string(), blocks(Text)]) }),
]);

/** A custom tool; server tools (`type: "web_search_…"`, `"bash_…"`) run at Anthropic and have no schema: dropped. */
const Tool = z.object({
  name: z.string().regex(/^[\w-]{1,64}$/, "must be 1 to 64 letters, digits, _ or -"),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
});
const ToolChoice = z.discriminatedUnion("type", [
  z.object({ type: z.enum(["auto", "any", "none"]), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal("tool"), name: z.string().max(128), disable_parallel_tool_use: z.boolean().optional() }),
]);
const ThinkingConfig = z.preprocess(
  // A kind this gateway does not know (a newer API's) is dropped, as an unknown field is: never a 400 for it.
  (value) => (["enabled", "disabled"].includes((value as { type?: string } | null)?.type ?? "") ? value : undefined),
  z.discriminatedUnion("type", [z.object({ type: z.literal("enabled"), budget_tokens: z.int().min(1024) }), z.object({ type: z.literal("disabled") })]).optional(),
);

const MessagesRequest = z.object({
  model: z.string().min(1).max(256),
  max_tokens: z.int().min(1),
  messages: z.array(Message).min(1).max(4096),
  system: z.union([z.string(), z.array(Text).max(256)]).optional(),
  tools: z.preprocess((value) => (Array.isArray(value) ? value.filter((t) => (t as { input_schema?: unknown } | null)?.input_schema !== undefined) : value), z.array(Tool).max(128)).optional(),
  tool_choice: ToolChoice.optional(),
  thinking: ThinkingConfig,
  stop_sequences: z.array(z.string().min(1).max(256)).max(16).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(0).optional(),
  metadata: z.object({ user_id: z.string().max(256).optional() }).optional(),
  stream: z.boolean().optional(),
});

/** A Messages API request after the check: only what the gateway carries. */
export type MessagesRequest = z.output<typeof MessagesRequest>;
type Block = z.output<typeof Block>;

/** `count_tokens` takes the request without `max_tokens`. */
const CountRequest = MessagesRequest.omit({ max_tokens: true, stream: true, stop_sequences: true, temperature: true, top_p: true, top_k: true, metadata: true });

/** Checks a Messages API request: a bad value is a 400 naming the field, as Anthropic names it. */
export function messagesRequest(body: unknown): MessagesRequest {
  return check(MessagesRequest, body);
}

/** Checks a `count_tokens` request. */
export function countRequest(body: unknown): Omit<MessagesRequest, "max_tokens"> {
  return check(CountRequest, body);
}

function check<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "bad_request", "the body must be a JSON object");
  const checked = schema.safeParse(body);
  if (!checked.success) throw new HttpError(400, "bad_request", describeIssue(checked.error.issues[0]!, [], "user, assistant or system"));
  return checked.data;
}

/**
 * The characters a request sends, counted as the prompt cap counts a chat request: every text, thinking, image (its
 * URL or its base64), tool call (name and input as JSON), tool result and tool definition. `count_tokens` is this
 * divided by 4, rounded up.
 */
export function promptChars(request: Omit<MessagesRequest, "max_tokens">): number {
  let chars = typeof request.system === "string" ? request.system.length : (request.system ?? []).reduce((n, b) => n + b.text.length, 0);
  const count = (block: Block | z.output<typeof Text> | z.output<typeof Image>): number => {
    switch (block.type) {
      case "text":
        return block.text.length;
      case "image":
        return block.source.type === "base64" ? block.source.data.length : block.source.url.length;
      case "tool_use":
        return block.name.length + JSON.stringify(block.input).length;
      case "tool_result":
        return typeof block.content === "string" ? block.content.length : (block.content ?? []).reduce((n, b) => n + count(b), 0);
      case "thinking":
        return block.thinking.length;
      case "redacted_thinking":
        return block.data.length;
    }
  };
  for (const message of request.messages) {
    chars += typeof message.content === "string" ? message.content.length : message.content.reduce((n, b) => n + count(b), 0);
  }
  for (const tool of request.tools ?? []) chars += JSON.stringify(tool).length;
  return chars;
}

/** `thinking.budget_tokens` as the reasoning effort OpenAI-compatible models take. */
function effort(budget: number): "low" | "medium" | "high" {
  return budget < 4096 ? "low" : budget < 16_384 ? "medium" : "high";
}

/**
 * The request as a chat completion (for `chatParams`, which checks it against the caps again): system first; each
 * user message's tool results as `tool` messages, then its text and images; each assistant message's text and tool
 * calls. Thinking blocks are not sent back (an OpenAI-compatible model takes no reasoning in its input), nor `top_k`
 * (it has none). An `is_error` tool result is sent as text that starts `Error:`; images in a tool result are dropped
 * (a `tool` message holds text only).
 */
export function toChatRequest(request: MessagesRequest, model: string, maxTokens: number): ChatRequestBody {
  if ((request.stop_sequences?.length ?? 0) > 4) {
    throw new HttpError(400, "bad_request", "stop_sequences: at most 4 when answered by an OpenAI-compatible model");
  }
  const messages: unknown[] = [];
  const system = typeof request.system === "string" ? request.system : request.system?.map((b) => b.text).join("\n");
  if (system) messages.push({ role: "system", content: system });
  for (const { role, content } of request.messages) {
    if (typeof content === "string") {
      messages.push({ role, content });
      continue;
    }
    if (role === "system") {
      messages.push({ role, content: content.map((b) => b.text).join("\n") });
      continue;
    }
    if (role === "user") {
      for (const block of content) {
        if (block.type !== "tool_result") continue;
        const text = typeof block.content === "string" ? block.content : (block.content ?? []).flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n");
        messages.push({ role: "tool", tool_call_id: block.tool_use_id, content: block.is_error ? `Error: ${text}` : text });
      }
      const parts = content.flatMap((block): object[] => {
        if (block.type === "text") return [{ type: "text", text: block.text }];
        if (block.type !== "image") return [];
        const url = block.source.type === "url" ? block.source.url : `data:${block.source.media_type};base64,${block.source.data}`;
        return [{ type: "image_url", image_url: { url } }];
      });
      if (parts.length > 0) messages.push({ role: "user", content: parts });
      continue;
    }
    const text = content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");
    const calls = content.flatMap((b) => (b.type === "tool_use" ? [{ id: b.id, type: "function", function: { name: b.name, arguments: JSON.stringify(b.input) } }] : []));
    if (!text && calls.length === 0) continue;
    messages.push({ role: "assistant", content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
  }
  const choice = request.tool_choice;
  return {
    model,
    messages,
    max_tokens: Math.min(request.max_tokens, maxTokens),
    ...(request.tools?.length ? { tools: request.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.input_schema } })) } : {}),
    ...(choice && request.tools?.length
      ? {
          tool_choice: choice.type === "tool" ? { type: "function", function: { name: choice.name } } : choice.type === "any" ? "required" : choice.type,
          ...(choice.disable_parallel_tool_use ? { parallel_tool_calls: false } : {}),
        }
      : {}),
    ...(request.thinking?.type === "enabled" ? { reasoning_effort: effort(request.thinking.budget_tokens) } : {}),
    ...(request.stop_sequences?.length ? { stop: request.stop_sequences } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.top_p !== undefined ? { top_p: request.top_p } : {}),
    ...(request.metadata?.user_id ? { user: request.metadata.user_id } : {}),
  };
}
