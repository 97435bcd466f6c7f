// What the benchmarks need of processes: a `wrangler dev` child, its workerd processes, their CPU and peak memory.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLOCK_TICKS = 100; // /proc/<pid>/stat counts CPU in 1/100 s

export interface Dev {
  name: string;
  url: URL;
  child: ChildProcess;
}

/** Starts `wrangler dev` on 127.0.0.1 with a port of its choosing, and resolves once it is ready. */
export async function startDev(name: string, args: string[]): Promise<Dev> {
  // As `npm start` runs it: uploads and the model's key open without a token (the peer ignores the variable).
  const all = ["dev", "--ip", "127.0.0.1", "--port", "0", "--inspector-port", "0", "--show-interactive-dev-session=false", "--var", "ALLOW_ANONYMOUS:true", ...args];
  all.push("--persist-to", mkdtempSync(join(tmpdir(), "edge-streams-bench-")));
  const child = spawn(join("node_modules", ".bin", "wrangler"), all, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise<URL>((resolve, reject) => {
    const read = (data: Buffer) => {
      output += data;
      const ready = /Ready on (http:\/\/\S+)/.exec(output);
      if (ready) resolve(new URL(ready[1]!));
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("exit", (code) => reject(new Error(`${name}: wrangler dev exited with ${code}\n${output}`)));
  });
  return { name, url, child };
}

/** The workerd processes a wrangler dev child started. */
export function workerdPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      if (readFileSync(`/proc/${child}/comm`, "utf8").trim() === "workerd") found.push(child);
      visit(child);
    }
  };
  visit(root);
  return found;
}

/** User plus system CPU seconds the processes have used so far. */
export function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return sum + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }, 0);
}

/** The processes' peak resident memory (VmHWM), summed, in MiB. */
export function peakMiB(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return sum + Number(hwm?.[1] ?? 0) / 1024;
  }, 0);
}

/** The processes' resident memory now (VmRSS), summed, in MiB. */
export function residentMiB(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return sum + Number(rss?.[1] ?? 0) / 1024;
  }, 0);
}
