// A DevTools protocol session with a Worker in Miniflare (started with `inspect`): what the profile and the memory
// figures ask V8 for.

/** A DevTools protocol session over the inspector's WebSocket. */
export async function devtools(url: URL) {
  // Miniflare's inspector proxy admits local origins only; Node's WebSocket takes headers as undici's extension.
  const socket = new WebSocket(url, { headers: { origin: "http://localhost" } } as never);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`DevTools at ${url} refused the connection`));
  });
  let next = 0;
  let context: number | undefined;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.onmessage = (message) => {
    const { id, method, params, result, error } = JSON.parse(String(message.data)) as {
      id?: number; method?: string; params?: { context?: { id: number } }; result?: unknown; error?: { message: string };
    };
    if (method === "Runtime.executionContextCreated") context = params!.context!.id;
    if (id === undefined) return;
    if (error) waiting.get(id)?.reject(new Error(`DevTools: ${error.message}`));
    else waiting.get(id)?.resolve(result);
    waiting.delete(id);
  };
  const send = <T>(method: string, params: object = {}): Promise<T> => {
    const id = ++next;
    socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => waiting.set(id, { resolve: resolve as (result: unknown) => void, reject }));
  };
  return {
    send,
    /**
     * A full collection, then V8's heap in use, bytes. workerd's inspector does not answer HeapProfiler.collectGarbage,
     * so the Worker's own `gc()` is called: it exists when workerd runs with `--expose-gc` (MINIFLARE_WORKERD_V8_FLAGS),
     * and is called in the Worker's context, which the inspector names once Runtime is enabled and a request has run.
     */
    async heapAfterCollection(): Promise<number> {
      if (context === undefined) await send("Runtime.enable");
      if (context === undefined) throw new Error("DevTools: the Worker has no execution context yet (send it a request first)");
      const { result } = await send<{ result: { type: string } }>("Runtime.evaluate", { expression: "typeof gc === 'function' && (gc(), true)", contextId: context });
      if (result.type !== "boolean") throw new Error("DevTools: gc() failed in the Worker");
      return (await send<{ usedSize: number }>("Runtime.getHeapUsage")).usedSize;
    },
    close: () => socket.close(),
  };
}
