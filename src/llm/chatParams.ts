import { HttpError } from "../streams/HttpError";
import type { LLMConfig } from "../settings";
import type { ChatMessage, ChatParams } from "./streamChat";

const ROLES = new Set(["system", "user", "assistant"]);

/** What a caller may ask for. Anything else in an OpenAI request body is ignored, never forwarded. */
export interface ChatRequestBody {
  model?: unknown;
  messages?: unknown;
  message?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  temperature?: unknown;
  top_p?: unknown;
}

/** Checks a chat request against the caps: 400 for a bad shape, a model off the list or too many tokens; 413 for a long prompt. */
export function chatParams(body: ChatRequestBody, config: LLMConfig): ChatParams {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad("the body must be a JSON object");
  const given = typeof body.message === "string" ? [{ role: "user", content: body.message }] : body.messages;
  if (!Array.isArray(given) || given.length === 0 || !given.every(isMessage)) {
    throw bad("messages must be a non-empty array of { role: system|user|assistant, content: string }");
  }
  // Only the checked fields go upstream: anything else a caller adds would reach the paid model uncounted.
  const messages = given.map(({ role, content }) => ({ role, content }));
  const promptChars = messages.reduce((sum, m) => sum + m.content.length, 0);
  if (promptChars > config.maxPromptChars) {
    throw new HttpError(413, "prompt_too_large", `the prompt must be at most ${config.maxPromptChars} characters`);
  }
  const model = body.model ?? config.model;
  if (typeof model !== "string" || !config.models.includes(model)) {
    throw new HttpError(400, "model_not_allowed", `model must be one of: ${config.models.join(", ")}`);
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? config.maxTokens;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > config.maxTokens) {
    throw new HttpError(400, "max_tokens_too_large", `max_tokens must be an integer from 1 to ${config.maxTokens}`);
  }
  const params: ChatParams = { model, messages, max_tokens: maxTokens as number };
  if (body.temperature !== undefined) params.temperature = number(body.temperature, "temperature", 0, 2);
  if (body.top_p !== undefined) params.top_p = number(body.top_p, "top_p", 0, 1);
  return params;
}

function isMessage(value: unknown): value is ChatMessage {
  const m = value as ChatMessage;
  return typeof m === "object" && m !== null && ROLES.has(m.role) && typeof m.content === "string";
}

function number(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !(value >= min && value <= max)) throw bad(`${name} must be a number from ${min} to ${max}`);
  return value;
}

function bad(message: string): HttpError {
  return new HttpError(400, "bad_request", message);
}
