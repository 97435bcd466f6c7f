import type { IRequest } from "itty-router";
import { z } from "zod";
import { readConfig } from "../config";
import { HttpError } from "../http/HttpError";
import { intParam } from "../http/intParam";
import { pushStream } from "../streams/pushStream";
import { sleep } from "../streams/sleep";

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

/**
 * GET /api/progressive?users=800&tasks=300&fail=: independent parts, each sent the moment it resolves, so the faster
 * part arrives first. `users` and `tasks` set each part's delay in ms; `fail=users|tasks` makes that part fail.
 */
export function progressive(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const delays = {
    users: intParam(url, "users", { min: 0, max: 10_000, fallback: 800 }),
    tasks: intParam(url, "tasks", { min: 0, max: 10_000, fallback: 300 }),
  };
  const failing = url.searchParams.get("fail");
  if (failing !== null && !(failing in delays)) throw new HttpError(400, "bad_request", "fail must be users or tasks");

  const { heartbeatMs } = readConfig(env);
  const stream = pushStream(request, { route: "/api/progressive", format: "jsonl", heartbeatMs, ctx, schema: ProgressiveRecord });
  const load = async <T>(part: keyof typeof delays, value: T): Promise<T> => {
    await sleep(delays[part], stream.signal);
    if (failing === part) throw new HttpError(502, "part_failed", `the ${part} could not be loaded`);
    return value;
  };
  Promise.all([
    load("users", USERS).then((users) => stream.send({ users })),
    load("tasks", TASKS).then((tasks) => stream.send({ tasks })),
  ]).then(
    () => stream.close({ parts: 2 }),
    (error: unknown) => stream.throw(error),
  );
  return stream.response;
}
