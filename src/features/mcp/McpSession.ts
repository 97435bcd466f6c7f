import { DurableObject } from "cloudflare:workers";
import type { RequestId } from "./jsonRpc";

/** What a session remembers: the protocol version agreed, the log level asked for, and its calls still cancellable. */
export interface SessionState {
  protocolVersion: string;
  /** The lowest level of `notifications/message` its client wants (`logging/setLevel`); unset, info. */
  level?: LogLevel;
}

export const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface Stored extends SessionState {
  idleMs: number;
  /** When the expiry alarm was last moved: it is moved at most once a minute, not written on every request. */
  armedAt: number;
  /** The latest tools/call streams by request id (as JSON), for `notifications/cancelled`. */
  calls: [string, string][];
}

// A session's calls kept for cancellation: a client cancels what it is waiting on, and waits on few at once.
const MAX_CALLS = 64;
const REARM_MS = 60_000;

/**
 * One MCP session (`Mcp-Session-Id`), a Durable Object named by its id: a few fields in storage, no connection held,
 * deleted by its alarm once unused for MCP_SESSION_IDLE_SECONDS, or by DELETE /mcp.
 */
export class McpSession extends DurableObject<Env> {
  /** Starts the session. */
  async open(state: SessionState, idleMs: number): Promise<void> {
    const now = Date.now();
    // The alarm first: a session is never stored without the alarm that ends it.
    await this.ctx.storage.setAlarm(now + idleMs);
    await this.ctx.storage.put<Stored>("session", { ...state, idleMs, armedAt: now, calls: [] });
  }

  /**
   * The session, its expiry moved on; undefined if it ended. `call` records a tools/call's stream under its request id,
   * so `notifications/cancelled` can stop it.
   */
  async use(call?: { requestId: RequestId; streamId: string }): Promise<SessionState | undefined> {
    const stored = await this.ctx.storage.get<Stored>("session");
    if (!stored) return undefined;
    const now = Date.now();
    const rearm = now - stored.armedAt > REARM_MS;
    if (call) stored.calls = [...stored.calls.slice(1 - MAX_CALLS), [JSON.stringify(call.requestId), call.streamId]];
    if (rearm) {
      stored.armedAt = now;
      await this.ctx.storage.setAlarm(now + stored.idleMs);
    }
    if (call || rearm) await this.ctx.storage.put("session", stored);
    return { protocolVersion: stored.protocolVersion, level: stored.level };
  }

  /** `logging/setLevel`; false if the session ended. */
  async setLevel(level: LogLevel): Promise<boolean> {
    const stored = await this.ctx.storage.get<Stored>("session");
    if (!stored) return false;
    await this.ctx.storage.put("session", { ...stored, level });
    return true;
  }

  /** The stream of the session's call with this request id, if it is one of its latest. */
  async callStream(requestId: RequestId): Promise<string | undefined> {
    const stored = await this.ctx.storage.get<Stored>("session");
    const key = JSON.stringify(requestId);
    return stored?.calls.findLast(([id]) => id === key)?.[1];
  }

  /** Ends the session; resolves with its calls' streams (to stop), or undefined if there was none. */
  async close(): Promise<string[] | undefined> {
    const stored = await this.ctx.storage.get<Stored>("session");
    if (!stored) return undefined;
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.deleteAlarm();
    return stored.calls.map(([, streamId]) => streamId);
  }

  /** Unused past its idle time: the session ends. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
