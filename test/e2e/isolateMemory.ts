import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * What the Worker's isolate holds: its V8 heap plus ArrayBuffer backing stores, read with Runtime.getHeapUsage from
 * workerd's own inspector. Process RSS cannot tell this locally: the dev chain in front of the Worker buffers request
 * bodies the Worker has not read (measured: 40 refused 6 MiB uploads grew workerd by 194 MiB with no upload admitted).
 * `root` is the `wrangler dev` process; workerd runs below it. Linux only (reads /proc).
 */
export async function isolateMemory(root: number, worker = "edge-streams"): Promise<number> {
  const url = await inspectorURL(root, `core:user:${worker}`);
  // Right after start-up workerd's inspector may take a session and never answer it (seen under wrangler dev,
  // whose own proxy holds a session too): ask again on a new one.
  for (let attempt = 1; ; attempt++) {
    const used = await heapUsage(url).catch(() => undefined);
    if (used !== undefined) return used;
    if (attempt === 10) throw new Error(`the inspector at ${url} did not answer`);
  }
}

async function heapUsage(url: string): Promise<number> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const timeout = AbortSignal.timeout(2000);
  const closed = new Promise<never>((_, reject) => timeout.addEventListener("abort", () => reject(timeout.reason)));
  try {
    await Promise.race([new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject))), closed]);
    const reply = new Promise<{ result: { usedSize: number; backingStorageSize: number } }>((resolve) => {
      // Under vitest the frames arrive as binary; standalone Node gives text.
      ws.onmessage = ({ data }) => resolve(JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer)));
    });
    ws.send(JSON.stringify({ id: 1, method: "Runtime.getHeapUsage" }));
    const { result } = await Promise.race([reply, closed]);
    return result.usedSize + result.backingStorageSize;
  } finally {
    ws.close();
  }
}

/** The inspector WebSocket of the named worker: asks every port a workerd below `root` listens on. */
async function inspectorURL(root: number, id: string): Promise<string> {
  for (const port of listeningPorts(workerdBelow(root))) {
    const targets = await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.json() as Promise<{ id: string; webSocketDebuggerUrl: string }[]>)
      .catch(() => []);
    const target = Array.isArray(targets) ? targets.find((t) => t.id === id) : undefined;
    if (target) return target.webSocketDebuggerUrl;
  }
  throw new Error(`no inspector for ${id} below process ${root}`);
}

function workerdBelow(root: number): number[] {
  const parent = new Map<number, number>();
  const found: number[] = [];
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
      const close = stat.lastIndexOf(")");
      parent.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
      if (stat.slice(stat.indexOf("(") + 1, close) === "workerd") found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  const below = (pid: number): boolean => pid === root || (pid > 1 && below(parent.get(pid) ?? 0));
  return found.filter(below);
}

function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const socket = /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`))?.[1];
      if (socket) inodes.add(socket);
    }
  }
  // /proc/net/tcp: sl local_address rem_address st … inode; state 0A is LISTEN, the port is hex.
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === "0A" && inodes.has(f[9]!))
    .map((f) => parseInt(f[1]!.split(":")[1]!, 16));
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}
