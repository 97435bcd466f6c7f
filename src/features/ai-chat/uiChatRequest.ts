import * as z from "zod";
import { describeIssue, type ChatRequestBody } from "../../model/chatParams";
import { HttpError } from "../../streams/HttpError";

// The parts of a UIMessage this Worker reads; anything else (data parts, sources, step markers it does not need) is
// skipped, as it means nothing to the model.
const TextPart = z.object({ text: z.string() });
const FilePart = z.object({ mediaType: z.string().max(256), url: z.string(), filename: z.string().max(256).optional() });
const ToolPart = z.object({
  toolCallId: z.string().min(1).max(256),
  toolName: z.string().max(64).optional(),
  state: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  errorText: z.string().optional(),
});
const UIMessage = z.object({
  id: z.string().max(256),
  role: z.enum(["system", "user", "assistant"]),
  parts: z.array(z.looseObject({ type: z.string().max(128) })).max(1024),
});
// A chat's id: chosen by the client, so it must be too long to guess (useChat's own are 16 random characters).
export const CHAT_ID = /^[\w-]{16,128}$/;
const Body = z.looseObject({
  id: z.string().regex(CHAT_ID, "must be 16 to 128 letters, digits, _ or -"),
  messages: z.array(UIMessage).min(1).max(2048),
  trigger: z.enum(["submit-message", "regenerate-message"]).optional(),
  messageId: z.string().max(256).optional(),
});

/** A UI chat request, read: its chat, the chat request for the model, and the id of the assistant message to write. */
export interface UIChatRequest {
  chatId: string;
  chat: ChatRequestBody;
  messageId: string;
}

/**
 * Reads `useChat`'s request body (`{ id, messages, trigger, messageId }`, plus whatever the transport's `body` adds:
 * `tools`, `model`, `reasoning_effort`, … as `/api/chat` takes them) and turns its UIMessages into the model's chat
 * messages: text and files from users, and from the assistant its text and each step's tool calls with their results,
 * so a tool's output goes back to the model. The result is then checked and capped as any chat request is.
 */
export function uiChatRequest(body: unknown): UIChatRequest {
  const checked = Body.safeParse(body);
  if (!checked.success) throw new HttpError(400, "bad_request", describeIssue(checked.error.issues[0]!));
  const { id: chatId, messages: uiMessages, trigger: _trigger, messageId: _messageId, ...rest } = checked.data;
  const messages = uiMessages.flatMap((message, i) => toChatMessages(message, i));
  if (messages.length === 0) throw new HttpError(400, "bad_request", "messages: none has a part the model can read");
  // The answer continues the last assistant message (after a tool's output), else it is a new one.
  const last = uiMessages.at(-1)!;
  const messageId = last.role === "assistant" ? last.id : `msg-${crypto.randomUUID()}`;
  return { chatId, chat: { ...rest, messages }, messageId };
}

type ChatMessage = Record<string, unknown>;

/** Reads a part as `schema`, or a 400 naming it: `messages[1].parts[0].text: …`. */
function read<T extends z.ZodType>(schema: T, part: unknown, where: PropertyKey[]): z.output<T> {
  const checked = schema.safeParse(part);
  if (!checked.success) throw new HttpError(400, "bad_request", describeIssue(checked.error.issues[0]!, where));
  return checked.data;
}

function toChatMessages(message: z.output<typeof UIMessage>, i: number): ChatMessage[] {
  const at = (j: number) => ["messages", i, "parts", j];
  if (message.role !== "assistant") {
    const content: unknown[] = [];
    message.parts.forEach((part, j) => {
      if (part.type === "text") content.push({ type: "text", text: read(TextPart, part, at(j)).text });
      else if (part.type === "file") content.push(filePart(read(FilePart, part, at(j))));
    });
    if (content.length === 0) return [];
    // A system message takes text only, as a string.
    if (message.role === "system") return [{ role: "system", content: content.map((c) => (c as { text?: string }).text ?? "").join("") }];
    return [{ role: "user", content }];
  }
  // An assistant message holds steps, each of text and tool calls, split by `step-start`: each step is an assistant
  // message, followed by the results of its tool calls.
  const out: ChatMessage[] = [];
  let text = "";
  let calls: { id: string; type: "function"; function: { name: string; arguments: string } }[] = [];
  let results: ChatMessage[] = [];
  const flush = () => {
    if (text || calls.length > 0) out.push({ role: "assistant", content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    out.push(...results);
    text = "";
    calls = [];
    results = [];
  };
  message.parts.forEach((part, j) => {
    if (part.type === "step-start") flush();
    else if (part.type === "text") text += read(TextPart, part, at(j)).text;
    else if (part.type.startsWith("tool-") || part.type === "dynamic-tool") {
      const tool = read(ToolPart, part, at(j));
      const name = part.type === "dynamic-tool" ? (tool.toolName ?? "") : part.type.slice("tool-".length);
      // Only a finished call can go back: the model must see each call's result beside it.
      if (tool.state !== "output-available" && tool.state !== "output-error") return;
      calls.push({ id: tool.toolCallId, type: "function", function: { name, arguments: JSON.stringify(tool.input ?? {}) } });
      const content = tool.state === "output-error" ? `error: ${tool.errorText ?? "the tool failed"}` : typeof tool.output === "string" ? tool.output : JSON.stringify(tool.output ?? null);
      results.push({ role: "tool", tool_call_id: tool.toolCallId, content });
    }
  });
  flush();
  return out;
}

/** A file part for the model: an image as image_url, WAV or MP3 as input_audio, anything else as a file. */
function filePart({ mediaType, url, filename }: z.output<typeof FilePart>): unknown {
  if (mediaType.startsWith("image/")) return { type: "image_url", image_url: { url } };
  const audio = /^audio\/(wav|x-wav|mpeg|mp3)$/.exec(mediaType);
  if (audio && url.startsWith("data:")) {
    return { type: "input_audio", input_audio: { data: url.slice(url.indexOf(",") + 1), format: audio[1]!.includes("wav") ? "wav" : "mp3" } };
  }
  return { type: "file", file: { file_data: url, ...(filename ? { filename } : {}) } };
}
