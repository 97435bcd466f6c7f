import OpenAI from "openai";
import { relayChatRecords } from "../../src/model/chatProducer";
import { ModelAnswer } from "../../src/model/ModelAnswer";
import { chatRecords } from "../../src/model/chatRecords";
import { streamChat } from "../../src/model/streamChat";
import { ToolCalls } from "../../src/model/ToolCalls";
import { sse } from "../../src/streams/framing";
import { streamResponse } from "../../src/streams/streamResponse";

interface PeerEnv {
  OPENAI_API_KEY: string;
  OPENAI_BASE_URL: string;
  BARE_ORIGIN: string;
  /** Bound by wrangler.limited.toml: the relay counts each answer against it, as the template's Worker does. */
  RATE_LIMITER?: RateLimit;
}

/**
 * The benchmark's peer: the same relay written the obvious way, as Hono's streamSSE examples do it. The SDK's
 * stream is iterated and each delta is written as its own SSE event through a TransformStream writer: text as the
 * default event, a tool call's argument fragments as `tool-call-delta` events, as ours sends them.
 */
function obviousRelay(client: OpenAI, message: string, maxTokens: number, tools?: OpenAI.ChatCompletionTool[]): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  const relay = async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: message }],
      max_tokens: maxTokens,
      stream: true,
      ...(tools ? { tools } : {}),
    });
    let id = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) await writer.write(encoder.encode(`id: ${++id}\ndata: ${JSON.stringify(delta.content)}\n\n`));
      for (const call of delta?.tool_calls ?? []) {
        if (!call.function?.arguments) continue;
        const data = JSON.stringify({ index: call.index, arguments: call.function.arguments });
        await writer.write(encoder.encode(`event: tool-call-delta\nid: ${++id}\ndata: ${data}\n\n`));
      }
    }
    await writer.write(encoder.encode("event: done\ndata: {}\n\n"));
    await writer.close();
  };
  relay().catch((error) => writer.abort(error));
  return new Response(readable, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}

/** An upstream in memory: `tokens` chat chunks (text, or a tool call's argument fragments), each its own body chunk. */
function memoryUpstream(tokens: number, tool: boolean): typeof fetch {
  const encoder = new TextEncoder();
  const chunk = (delta: object, finish: string | null = null) =>
    encoder.encode(`data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  return async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (tool && sent === 0) controller.enqueue(chunk({ tool_calls: [{ index: 0, id: "call_0", type: "function", function: { name: "f", arguments: "" } }] }));
        if (sent < tokens) controller.enqueue(chunk(tool ? { tool_calls: [{ index: 0, function: { arguments: `t${++sent} ` } }] } : { content: `t${++sent} ` }));
        else {
          controller.enqueue(chunk({}, "stop"));
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        }
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    // The proxy benchmark's baseline: a Worker that only returns what fetch returns.
    if (url.pathname.startsWith("/bare/")) return fetch(env.BARE_ORIGIN + url.pathname.slice("/bare".length));
    // The two relays with no network on the upstream side: what each costs per token by itself.
    if (url.pathname.startsWith("/memory/")) {
      const tokens = Number(url.searchParams.get("tokens") ?? 1000);
      const tool = url.searchParams.get("kind") === "tool";
      const client = new OpenAI({ apiKey: "memory", baseURL: "http://memory/v1", fetch: memoryUpstream(tokens, tool), maxRetries: 0 });
      if (url.pathname === "/memory/peer") return obviousRelay(client, "bench", tokens);
      const params = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "bench" }], max_tokens: tokens };
      // What chatProducer does; ours takes the upstream as a plain fetch (src/model/modelClient.ts): the same one.
      const upstream = memoryUpstream(tokens, tool);
      const memory = { name: "memory", fetch: (path: string, init: { method: string; body?: unknown; signal?: AbortSignal }) =>
        upstream(`http://memory/v1${path}`, { method: init.method, body: JSON.stringify(init.body), signal: init.signal }) };
      const limits = (signal: AbortSignal) => ({ signal, firstTokenMs: 30_000, idleMs: 30_000 });
      // The same relay without the model answer around it (no fallback, no usage counting): what that layer costs.
      if (url.pathname === "/memory/plain") {
        return streamResponse(request, { route: "/memory/plain", format: sse, heartbeatMs: 15_000 }, async ({ signal, send }) => {
          const calls = new ToolCalls();
          const records = chatRecords(send, calls);
          const summary = await streamChat(memory, params, limits(signal), (delta) => records.delta(delta), calls);
          records.end();
          return summary;
        });
      }
      return streamResponse(request, { route: "/memory/ours", format: sse, heartbeatMs: 15_000 }, (context) =>
        relayChatRecords(new ModelAnswer([{ client: memory }], context, {}), params, limits(context.signal), context.send),
      );
    }
    // The floors under any relay: the upstream's own SSE passed through natively (no JavaScript per token), and
    // pumped through JavaScript unchanged (one read and one write per network read: the least a relay that looks at
    // the tokens can do).
    if (url.pathname === "/passthrough" || url.pathname === "/pump" || url.pathname === "/pump-js") {
      const { max_tokens } = (await request.json()) as { max_tokens: number };
      const upstream = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY}` },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "bench" }], stream: true, max_tokens }),
      });
      if (url.pathname === "/passthrough") return upstream;
      // `/pump-js`: the same pump through a JavaScript TransformStream, the body a relay gets without the native one.
      const { readable, writable } = url.pathname === "/pump-js" ? new TransformStream<Uint8Array, Uint8Array>() : new IdentityTransformStream();
      const pump = async () => {
        const reader = upstream.body!.getReader();
        const writer = writable.getWriter();
        for (let read = await reader.read(); !read.done; read = await reader.read()) void writer.write(read.value);
        await writer.close();
      };
      void pump();
      return new Response(readable, { headers: { "content-type": "text/event-stream" } });
    }
    if (env.RATE_LIMITER) {
      const { success } = await env.RATE_LIMITER.limit({ key: request.headers.get("cf-connecting-ip") ?? "local" });
      if (!success) return new Response("too many requests", { status: 429, headers: { "retry-after": "60" } });
    }
    const { message, max_tokens, tools } = (await request.json()) as { message: string; max_tokens: number; tools?: OpenAI.ChatCompletionTool[] };
    const client = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0 });
    return obviousRelay(client, message, max_tokens, tools);
  },
} satisfies ExportedHandler<PeerEnv>;
