import type { IRequest } from "itty-router";
import type { Handler } from "../../app/Feature";
import { HttpError } from "../../streams/HttpError";
import { INVALID_REQUEST, RpcError, rpcError, SERVER_ERROR } from "./jsonRpc";

/**
 * A route whose every error is a JSON-RPC error object, as an MCP client reads it: a request's own error (unknown
 * method, bad params) at 200, a transport's refusal at its status, with its headers (WWW-Authenticate, Retry-After).
 */
export function withRpcErrors(handler: Handler): Handler {
  return async (request: IRequest, env: Env, ctx: ExecutionContext) => {
    try {
      return await handler(request, env, ctx);
    } catch (error) {
      if (error instanceof RpcError) return Response.json(rpcError(error.id, error.code, error.message), { status: error.status });
      if (!(error instanceof HttpError)) throw error;
      const code = error.status === 400 || error.status === 413 || error.status === 415 ? INVALID_REQUEST : SERVER_ERROR;
      return Response.json(rpcError(null, code, error.message), { status: error.status, headers: error.headers });
    }
  };
}
