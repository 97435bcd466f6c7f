import OpenAI from "openai";

interface PeerEnv {
  OPENAI_API_KEY: string;
  OPENAI_BASE_URL: string;
}

/**
 * The benchmark's peer: the same relay written the obvious way, as Hono's streamSSE examples do it. The SDK's
 * stream is iterated and each delta is written as its own SSE event through a TransformStream writer.
 */
export default {
  async fetch(request, env) {
    const { message, max_tokens } = (await request.json()) as { message: string; max_tokens: number };
    const client = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0 });
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const relay = async () => {
      const stream = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: message }],
        max_tokens,
        stream: true,
      });
      let id = 0;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) await writer.write(encoder.encode(`id: ${++id}\ndata: ${JSON.stringify(delta)}\n\n`));
      }
      await writer.write(encoder.encode("event: done\ndata: {}\n\n"));
      await writer.close();
    };
    relay().catch((error) => writer.abort(error));
    return new Response(readable, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  },
} satisfies ExportedHandler<PeerEnv>;
