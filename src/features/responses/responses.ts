import type { IRequest } from "itty-router";
import type OpenAI from "openai";
import { discard } from "../../http/drainBody";
import { readJSON } from "../../http/readJSON";
import { requireToken } from "../../http/requireToken";
import { admitChat, chatBodyLimit } from "../../model/admitChat";
import { chatParams } from "../../model/chatParams";
import { modelClient } from "../../model/modelClient";
import { CHARS_PER_TOKEN } from "../../model/ModelAnswer";
import { responseHistory } from "./responseHistory";
import { responsesFraming } from "./responsesFraming";
import { durableResponses, responsesProducer, type ResponsesInput, type StoredResponse } from "./responsesProducer";
import { responsesRequest, toChatRequest, type ResponsesRequest } from "./responsesRequest";
import { modelSettings, type LLMConfig } from "../../model/modelSettings";
import { responsesMode } from "./responsesMode";
import { durable } from "../../durable/streams";
import { settings } from "../../settings";
import { durableResponse, readAt, startDurable, type Durable } from "../../streams/durable/durableResponse";
import type { StreamSnapshot } from "../../streams/durable/DurableStream";
import { isStreamId, newStreamId } from "../../streams/durable/streamId";
import { HttpError } from "../../streams/HttpError";
import { runWhole } from "../../streams/runWhole";
import { streamResponse } from "../../streams/streamResponse";

type Response_ = OpenAI.Responses.Response;
const location = (id: string) => `/v1/responses/${id}`;
/** A response's id is its durable stream's, `resp_<stream id>`: the stream id, or undefined for any other id. */
function streamIdOf(id: string | undefined): string | undefined {
  const streamId = id?.startsWith("resp_") ? id.slice("resp_".length) : undefined;
  return isStreamId(streamId) ? streamId : undefined;
}

/**
 * OpenAI's Responses API, so the openai SDK's `responses.*` and the Agents SDK can use this Worker as their base URL.
 * Translate mode (the default) answers through the chat relay and keeps background and stored responses in the
 * durable core; native mode relays the upstream's own `/responses`, which keeps them itself.
 *
 * A route on one response (GET, cancel, DELETE): the API token when set; in native mode the upstream keeps its
 * responses and the request goes to it; else the response must be one stored here (404 otherwise).
 */
const onStored =
  (handle: (on: { request: IRequest; id: string; streamId: string; stored: Durable }) => Promise<Response>) =>
  async (request: IRequest, env: Env): Promise<Response> => {
    const native = responsesMode(env) === "native";
    // Native mode forwards the request with the Worker's own key.
    await requireToken(request, env, { guarded: native });
    if (native) return relayUpstream(request, modelSettings(env));
    const id = request.params.id!;
    const stored = durable(env);
    await storedResponse(stored, id);
    return handle({ request, id, streamId: streamIdOf(id)!, stored });
  };

/** POST /v1/responses: streamed or not; `background: true` or `store: true` runs it durable and keeps it. */
export async function createResponse(request: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> {
  const config = await admitChat(request, env);
  const body = responsesRequest(await readJSON(request, chatBodyLimit(config)));
  const { streams, limits } = durable(env);
  const native = responsesMode(env) === "native";
  const history = body.previous_response_id && !native ? responseHistory(await storedSnapshot(streams, body.previous_response_id)) : [];
  if (body.previous_response_id && native) await checkNativeHistory(body.previous_response_id, config);
  // The chat caps apply in both modes: the model allow-list, the token cap, the prompt's size.
  const params = chatParams(toChatRequest(body, history), config);
  const streamId = newStreamId();
  const id = `resp_${streamId}`;
  const stored = !native && (body.background === true || body.store === true);
  const response = responseObject(id, body, params.model, stored);
  const input: ResponsesInput = native
    ? { mode: "native", body: { ...body, model: params.model, max_output_tokens: params.max_tokens ?? params.max_completion_tokens }, config }
    : { mode: "translate", params, config, response };
  const { heartbeatMs } = settings(env);
  const options = { route: request.route, format: responsesFraming, heartbeatMs };
  if (stored) {
    // Kept for GET and previous_response_id: the request and the response object, never the settings (the key).
    const keep: StoredResponse = { mode: "translate", params, response };
    // A background response is polled, not read: it runs to its end with nobody connected.
    const job = { ...options, limits, producer: durableResponses, input, keep, streamId, readerless: body.background === true };
    if (body.background && !body.stream) {
      await startDurable(streams, job);
      return Response.json({ ...response, status: "in_progress" });
    }
    const reading = await durableResponse(request, streams, { ...job, location: () => location(id) });
    if (body.stream) return reading;
    // store: true, not streamed: the answer when it is done, as OpenAI gives it; it is kept all the same.
    if (reading.body) await discard(reading.body);
    return Response.json(await currentResponse(durable(env), id));
  }
  if (body.stream) return streamResponse(request, { ...options, ctx }, (context) => responsesProducer(input, context, env));
  return Response.json(await runWhole(request, request.route, (context) => responsesProducer(input, context, env)));
}

/** GET /v1/responses/:id: the response as it is now; with `stream=true`, its events after `starting_after`, then live. */
export const retrieveResponse = onStored(async ({ request, id, streamId, stored }) => {
  const url = new URL(request.url);
  if (url.searchParams.get("stream") === "true") {
    const raw = url.searchParams.get("starting_after");
    if (raw !== null && !/^\d{1,9}$/.test(raw)) throw new HttpError(400, "bad_request", "starting_after must be an integer");
    // Event N is record N + 1: sequence numbers start at 0, a stream's records at 1.
    return readAt(stored.streams, streamId, { after: raw === null ? 0 : Number(raw) + 1 }, responsesFraming, location(id));
  }
  return Response.json(await currentResponse(stored, id));
});

/** POST /v1/responses/:id/cancel: stops the model; the response is kept, `cancelled`. */
export const cancelResponse = onStored(async ({ id, streamId, stored }) => {
  await stored.streams.getByName(streamId).stop();
  return Response.json(await currentResponse(stored, id));
});

/** DELETE /v1/responses/:id: stops it if running and forgets it. */
export const deleteResponse = onStored(async ({ id, streamId, stored }) => {
  await stored.streams.getByName(streamId).cancel();
  return Response.json({ id, object: "response.deleted", deleted: true });
});

/** The snapshot of a response stored here; 404 for any other id, a durable stream of another route's included. */
async function storedResponse({ streams }: Durable, id: string): Promise<StreamSnapshot> {
  const streamId = streamIdOf(id);
  const snapshot = streamId === undefined ? undefined : await streams.getByName(streamId).snapshot();
  if (!snapshot || (snapshot.kept as StoredResponse | null)?.mode !== "translate") throw notFound();
  return snapshot;
}

/** The response object a stream holds: the finished response, or the first event's with the status it has now. */
async function currentResponse(durable: Durable, id: string): Promise<Response_> {
  const snapshot = await storedResponse(durable, id);
  if (snapshot.end?.kind === "done") return snapshot.end.value as Response_;
  const started = (snapshot.first as { response?: Response_ } | undefined)?.response ?? (snapshot.kept as StoredResponse).response;
  if (!snapshot.end) return started;
  const { code, message } = snapshot.end.value as { code: string; message: string };
  if (code === "cancelled") return { ...started, status: "cancelled" };
  return { ...started, status: "failed", error: { code: code as OpenAI.Responses.ResponseError["code"], message } };
}

/** The stored response `previous_response_id` names, for its history: any id this Worker does not hold is a 400. */
async function storedSnapshot(streams: Durable["streams"], id: string) {
  const streamId = streamIdOf(id);
  return streamId === undefined ? undefined : streams.getByName(streamId).snapshot();
}

/** Native mode: the upstream keeps its responses; GET, cancel and DELETE go to it with the Worker's key. */
/**
 * Native mode: the upstream carries the conversation `previous_response_id` continues, out of sight of the prompt cap.
 * Asked for that response first: a chain longer than CHAT_MAX_PROMPT_CHARS (its tokens counted as 4 characters each,
 * OpenAI's rule of thumb) is refused with 413, an id the upstream does not hold with 400.
 */
async function checkNativeHistory(id: string, config: LLMConfig): Promise<void> {
  if (!/^resp_[A-Za-z0-9_-]{1,200}$/.test(id)) throw new HttpError(400, "bad_request", "previous_response_id: no response has this id");
  const previous = await modelClient(config)
    .fetch(`/responses/${id}`, { method: "GET" })
    .catch((error: unknown) => {
      // The upstream refused the id (its 404 arrives as upstream_rejected): the caller's mistake, not a fault.
      if (error instanceof HttpError && error.code === "upstream_rejected") throw new HttpError(400, "bad_request", "previous_response_id: no response has this id");
      throw error;
    });
  const { usage } = (await previous.json()) as { usage?: { total_tokens?: number } };
  if ((usage?.total_tokens ?? 0) * CHARS_PER_TOKEN > config.maxPromptChars) {
    throw new HttpError(413, "prompt_too_large", `the conversation previous_response_id continues is past ${config.maxPromptChars} characters`);
  }
}

// What OpenAI's GET /responses/{id} reads from the query.
const NATIVE_QUERY = new Set(["include", "include[]", "stream", "starting_after", "include_obfuscation"]);

async function relayUpstream(request: IRequest, config: LLMConfig): Promise<Response> {
  const id = request.params.id ?? "";
  // The Worker's key goes with it: only an id shaped as OpenAI's, and only the query keys the API reads.
  if (!/^resp_[A-Za-z0-9_-]{1,200}$/.test(id)) throw new HttpError(404, "not_found", "no response has this id");
  const url = new URL(request.url);
  const query = new URLSearchParams();
  for (const [key, value] of url.searchParams) if (NATIVE_QUERY.has(key)) query.append(key, value);
  const action = url.pathname.endsWith("/cancel") ? "/cancel" : "";
  const path = `/responses/${id}${action}${query.size > 0 ? `?${query}` : ""}`;
  const upstream = await modelClient(config).fetch(path, { method: request.method, signal: request.signal });
  return new Response(upstream.body, { status: upstream.status, headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" } });
}

/** The response object at the start: OpenAI's fields, from the request. */
function responseObject(id: string, body: ResponsesRequest, model: string, stored: boolean): Response_ {
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "in_progress",
    background: body.background ?? false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: null },
    store: stored,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: (body.tools ?? []).map((tool) => ({ ...tool, strict: tool.strict ?? null, parameters: tool.parameters ?? null })),
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: undefined,
    user: body.user,
  } as unknown as Response_;
}

function notFound(): HttpError {
  return new HttpError(404, "not_found", "no such response: it was never stored here, was deleted, or has expired");
}
