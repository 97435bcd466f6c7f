import { AutoRouter } from "itty-router";
import { errorResponse } from "./http/errorResponse";
import { routeNotFound } from "./http/routeNotFound";
import { withSecurityHeaders } from "./http/withSecurityHeaders";
import { chunks } from "./routes/chunks";
import { ticker } from "./routes/ticker";

const router = AutoRouter({ catch: errorResponse, finally: [withSecurityHeaders] });

router
  // Streams that run with no network and no secrets
  .get("/api/ticker", ticker)
  .get("/api/chunks", chunks)

  // Everything else: 405 with Allow for a known path, else 404
  .all("*", routeNotFound(router.routes));

export default { fetch: router.fetch } satisfies ExportedHandler<Env>;
