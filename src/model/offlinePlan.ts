import { exampleFor } from "./exampleFor";

/** The request fields the offline model reads. */
export interface OfflineRequest {
  model: string;
  messages: { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string } }[]; tool_call_id?: string }[];
  tools?: { function: { name: string; parameters?: unknown } }[];
  tool_choice?: string | { function: { name: string } };
  reasoning_effort?: string;
  max_tokens?: number;
  max_completion_tokens?: number;
}

/** One delta of the answer, in OpenAI's shape. */
export type OfflineDelta = Record<string, unknown>;

/** A prompt holding this word is refused: the refusal path, with no network. */
export const REFUSAL_WORD = "classified";

const WORDS = (
  "stream edge token byte chunk event worker signal buffer latency socket header body reader writer " +
  "heartbeat record line client server request response model answer pipe queue"
).split(" ");

/**
 * What the offline model answers, delta by delta, the same way every time: reasoning first when `reasoning_effort` is
 * set; then a call to the first tool (or the one `tool_choice` names) when tools are given and the last message is not
 * a tool's result; an answer that quotes the tool's result when it is; a refusal when the prompt holds REFUSAL_WORD;
 * otherwise `answer(prompt)`. `max_tokens` counts deltas; cutting any is finish reason `length`.
 */
export function offlinePlan(request: OfflineRequest): { deltas: OfflineDelta[]; finish_reason: string } {
  const last = request.messages.at(-1);
  const prompt = textOf(request.messages.findLast((m) => m.role === "user")?.content) || request.messages.map((m) => textOf(m.content)).join("\n");
  const deltas: OfflineDelta[] = [];
  if (request.reasoning_effort && request.reasoning_effort !== "none") {
    for (const reasoning_content of words(`Thinking about "${shorten(prompt)}": the offline model plans its answer.`)) deltas.push({ reasoning_content });
  }
  let finish_reason = "stop";
  const tool = pickTool(request);
  if (last?.role === "tool") {
    const call = request.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === last.tool_call_id);
    for (const content of words(`The tool ${call?.function.name ?? "you ran"} returned ${shorten(textOf(last.content))}, so that is the answer.`)) deltas.push({ content });
  } else if (prompt.toLowerCase().includes(REFUSAL_WORD)) {
    for (const refusal of words("I can't help with that: the prompt asks for something classified.")) deltas.push({ refusal });
  } else if (tool) {
    const args = JSON.stringify(exampleFor(tool.parameters, lastWord(prompt)));
    const id = `call_${hash(prompt).toString(36)}`;
    deltas.push({ content: null, tool_calls: [{ index: 0, id, type: "function", function: { name: tool.name, arguments: "" } }] });
    const size = Math.max(1, Math.min(8, Math.ceil(args.length / 3)));
    for (let at = 0; at < args.length; at += size) deltas.push({ tool_calls: [{ index: 0, function: { arguments: args.slice(at, at + size) } }] });
    finish_reason = "tool_calls";
  } else {
    for (const content of answer(prompt)) deltas.push({ content });
  }
  const limit = request.max_completion_tokens ?? request.max_tokens ?? Infinity;
  if (deltas.length > limit) return { deltas: deltas.slice(0, limit), finish_reason: "length" };
  return { deltas, finish_reason };
}

/** The offline model's answer to a prompt: the same words for the same prompt, each with its leading space. */
export function answer(prompt: string): string[] {
  let seed = hash(prompt);
  const intro = `You said "${shorten(prompt)}". The offline model answers word by word:`.split(" ");
  const count = 20 + (seed % 12);
  const rest = Array.from({ length: count }, () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return WORDS[(seed >>> 0) % WORDS.length]!;
  });
  return [...intro, ...rest].map((word, i) => (i === 0 ? word : ` ${word}`)).concat(".");
}

/** The tool to call: none when tools are absent or `tool_choice` is "none"; the named one, or the first. */
function pickTool(request: OfflineRequest): { name: string; parameters?: unknown } | undefined {
  const { tools = [], tool_choice: choice } = request;
  if (choice === "none") return undefined;
  const named = typeof choice === "object" ? tools.find((t) => t.function.name === choice.function.name) : undefined;
  return (named ?? tools[0])?.function;
}

/** The text of a message's content: a string, or its text parts joined. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part: { type?: string; text?: string }) => (part.type === "text" ? part.text : "")).join("");
}

function words(text: string): string[] {
  return text.split(" ").map((word, i) => (i === 0 ? word : ` ${word}`));
}

function lastWord(prompt: string): string {
  return prompt.match(/[\p{L}\p{N}]+/gu)?.at(-1) ?? "example";
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function hash(text: string): number {
  let seed = 2166136261;
  for (const char of text) seed = Math.imul(seed ^ char.codePointAt(0)!, 16777619) >>> 0;
  return seed;
}
