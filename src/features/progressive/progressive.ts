import type { IRequest } from "itty-router";
import * as z from "zod";
import { admitCostly } from "../../http/admitCostly";
import { intParam } from "../../http/intParam";
import { wantsResume } from "../../http/wantsResume";
import { streamOrDurable } from "../../durable/streams";
import { durableProducer } from "../../streams/durable/DurableStream";
import { jsonl } from "../../streams/framing";
import { HttpError } from "../../streams/HttpError";
import type { StreamContext } from "../../streams/runProducer";
import { sleep } from "../../streams/sleep";
import { validateRecord } from "../../streams/validateRecord";

const User = z.object({ id: z.number(), name: z.string() });
const Task = z.object({ id: z.number(), title: z.string(), done: z.boolean() });

/** The records of /api/progressive: one per part, keyed by the part's name. Clients get this type too. */
export const ProgressiveRecord = z.union([z.strictObject({ users: z.array(User) }), z.strictObject({ tasks: z.array(Task) })]);
export type ProgressiveRecord = z.output<typeof ProgressiveRecord>;

const USERS = [
  { id: 1, name: "Ada" },
  { id: 2, name: "Grace" },
  { id: 3, name: "Linus" },
];
const TASKS = [
  { id: 1, title: "Stream the first record", done: true },
  { id: 2, title: "Reject what is left on error", done: false },
];

/** What one progressive response loads: each part's delay, and the part made to fail. */
export interface ProgressiveInput {
  delays: { users: number; tasks: number };
  failing: "users" | "tasks" | null;
}

/**
 * GET /api/progressive?users=800&tasks=300&fail=: independent parts, each sent the moment it resolves, so the faster
 * part arrives first. `users` and `tasks` set each part's delay in ms; `fail=users|tasks` makes that part fail.
 * With `resume=1` it is a durable stream, read again from `/api/streams/<id>`.
 */
export async function progressive(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const delays = {
    users: intParam(url, "users", { min: 0, max: 10_000, fallback: 800 }),
    tasks: intParam(url, "tasks", { min: 0, max: 10_000, fallback: 300 }),
  };
  const failing = url.searchParams.get("fail");
  if (failing !== null && failing !== "users" && failing !== "tasks") throw new HttpError(400, "bad_request", "fail must be users or tasks");
  const input: ProgressiveInput = { delays, failing };
  const resume = wantsResume(request);
  // A durable stream is a Durable Object and SQLite rows: the chat routes' rate limit and token.
  if (resume) await admitCostly(request, env);
  const location = (streamId: string) => `/api/streams/${streamId}`;
  return streamOrDurable(request, env, ctx, resume, { format: jsonl, producer: durableProgressive, input, location });
}

/** The progressive producer as a durable stream runs it (`?resume=1`). */
export const durableProgressive = durableProducer<ProgressiveInput>("progressive", progressiveProducer);

/** The producer: each part sent as soon as it resolves, checked against ProgressiveRecord first. */
async function progressiveProducer({ delays, failing }: ProgressiveInput, { signal, send }: StreamContext): Promise<unknown> {
  const load = async <T>(part: keyof typeof delays, value: T): Promise<T> => {
    await sleep(delays[part], signal);
    if (failing === part) throw new HttpError(502, "part_failed", `the ${part} could not be loaded`);
    return value;
  };
  const sendPart = (record: ProgressiveRecord) => send(validateRecord(ProgressiveRecord, record));
  await Promise.all([load("users", USERS).then((users) => sendPart({ users })), load("tasks", TASKS).then((tasks) => sendPart({ tasks }))]);
  return { parts: 2 };
}
