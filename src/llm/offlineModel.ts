import { sleep } from "../streams/sleep";
import { encodeSSE } from "../streams/sse";

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
}

const WORDS = (
  "stream edge token byte chunk event worker signal buffer latency socket header body reader writer " +
  "heartbeat record line client server request response model answer pipe queue"
).split(" ");

/**
 * A `fetch` that answers OpenAI chat-completion requests itself, in OpenAI's wire format, so the SDK and everything
 * after it run unchanged with no network: deterministic text that depends on the prompt, one word every `tokenMs`.
 */
export function offlineModel(tokenMs: number): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    if (request.method !== "POST" || !new URL(request.url).pathname.endsWith("/chat/completions")) {
      return Response.json({ error: { message: "the offline model answers chat completions only" } }, { status: 404 });
    }
    const body = (await request.json()) as ChatRequest;
    const prompt = body.messages.map((m) => m.content).join("\n");
    const words = answer(body.messages.findLast((m) => m.role === "user")?.content ?? prompt);
    const limit = body.max_completion_tokens ?? body.max_tokens ?? Infinity;
    const tokens = words.slice(0, limit);
    const finish_reason = tokens.length < words.length ? "length" : "stop";
    const usage = {
      prompt_tokens: prompt.split(/\s+/).filter(Boolean).length,
      completion_tokens: tokens.length,
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const base = { id: "chatcmpl-offline", created: Math.floor(Date.now() / 1000), model: body.model };

    if (!body.stream) {
      const message = { role: "assistant", content: tokens.join("") };
      return Response.json({ ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason }], usage });
    }

    const chunk = (delta: object, finish: string | null = null) =>
      encodeSSE({
        data: JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] }),
      });
    const events = [
      chunk({ role: "assistant", content: "" }),
      ...tokens.map((content) => chunk({ content })),
      chunk({}, finish_reason),
      ...(body.stream_options?.include_usage
        ? [encodeSSE({ data: JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage }) })]
        : []),
      encodeSSE({ data: "[DONE]" }),
    ];
    const encoder = new TextEncoder();
    let next = 0;
    const stream = new ReadableStream<Uint8Array>({
      // Pull-driven: the next word is made when the reader wants it, and the pause stops with the request.
      async pull(controller) {
        if (next >= 2 && next <= tokens.length) await sleep(tokenMs, request.signal);
        controller.enqueue(encoder.encode(events[next++]!));
        if (next === events.length) controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  };
}

/** The offline model's answer to a prompt: the same words for the same prompt, each with its leading space. */
export function answer(prompt: string): string[] {
  let seed = 2166136261;
  for (const char of prompt) seed = Math.imul(seed ^ char.codePointAt(0)!, 16777619) >>> 0;
  const shown = prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt;
  const intro = `You said "${shown}". The offline model answers word by word:`.split(" ");
  const count = 20 + (seed % 12);
  const rest = Array.from({ length: count }, () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return WORDS[(seed >>> 0) % WORDS.length]!;
  });
  return [...intro, ...rest].map((word, i) => (i === 0 ? word : ` ${word}`)).concat(".");
}
