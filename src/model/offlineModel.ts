import { sleep } from "../streams/sleep";
import { encodeSSE } from "../streams/sse";
import { offlinePlan, type OfflineDelta, type OfflineRequest } from "./offlinePlan";

export { answer, REFUSAL_WORD } from "./offlinePlan";

interface ChatRequest extends OfflineRequest {
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/**
 * A `fetch` that answers OpenAI chat-completion requests itself, in OpenAI's wire format, so the relay and everything
 * after it run unchanged with no network: deterministic deltas that depend on the request (`offlinePlan`: text,
 * reasoning, tool calls, refusals), one every `tokenMs`.
 */
export function offlineModel(tokenMs: number): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    if (request.method !== "POST" || !new URL(request.url).pathname.endsWith("/chat/completions")) {
      return Response.json({ error: { message: "the offline model answers chat completions only" } }, { status: 404 });
    }
    const body = (await request.json()) as ChatRequest;
    const { deltas, finish_reason } = offlinePlan(body);
    const promptWords = JSON.stringify(body.messages).split(/\s+/).filter(Boolean).length;
    const usage = { prompt_tokens: promptWords, completion_tokens: deltas.length, total_tokens: promptWords + deltas.length };
    const base = { id: "chatcmpl-offline", created: Math.floor(Date.now() / 1000), model: body.model };

    if (!body.stream) {
      const message = { role: "assistant", ...gather(deltas) };
      return Response.json({ ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason }], usage });
    }

    const chunk = (delta: object, finish: string | null = null) =>
      encodeSSE({
        data: JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] }),
      });
    const events = [
      chunk({ role: "assistant", content: "" }),
      ...deltas.map((delta) => chunk(delta)),
      chunk({}, finish_reason),
      ...(body.stream_options?.include_usage
        ? [encodeSSE({ data: JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage }) })]
        : []),
      encodeSSE({ data: "[DONE]" }),
    ];
    const encoder = new TextEncoder();
    let next = 0;
    const stream = new ReadableStream<Uint8Array>({
      // Pull-driven: the next delta is made when the reader wants it, and the pause stops with the request.
      async pull(controller) {
        if (next >= 2 && next <= deltas.length) await sleep(tokenMs, request.signal);
        controller.enqueue(encoder.encode(events[next++]!));
        if (next === events.length) controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  };
}

/** The whole message the deltas make, for `stream: false`. */
function gather(deltas: OfflineDelta[]) {
  const join = (key: string) => deltas.map((d) => d[key] ?? "").join("") || null;
  const call = deltas.find((d) => d.tool_calls)?.tool_calls as [{ id: string; function: { name: string } }] | undefined;
  const args = deltas.flatMap((d) => (d.tool_calls as [{ function: { arguments: string } }] | undefined) ?? []).map((c) => c.function.arguments).join("");
  return {
    content: join("content") ?? (call || join("refusal") ? null : ""),
    refusal: join("refusal"),
    ...(join("reasoning_content") ? { reasoning_content: join("reasoning_content") } : {}),
    ...(call ? { tool_calls: [{ id: call[0].id, type: "function", function: { name: call[0].function.name, arguments: args } }] } : {}),
  };
}
