import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** A TCP relay in front of a server, whose connections a test can cut at once: a network drop, as the client sees it. */
export interface TcpRelay {
  url: URL;
  /** Destroys every open connection, both ways; new ones are still accepted. */
  cut(): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

export async function tcpRelay(target: URL): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    const drop = () => {
      for (const socket of [client, upstream]) {
        socket.destroy();
        sockets.delete(socket);
      }
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", drop).on("close", drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const cut = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`),
    cut,
    // Kept-alive connections would hold close() open until the client let them go.
    close: () => new Promise((resolve) => (cut(), server.close(() => resolve()))),
  };
}
