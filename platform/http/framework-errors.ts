// Errors raised inside functions-framework's express app answered as ours: JSON, 4xx kept, no stack traces.
import type { Server } from "node:http";
import type { Logger } from "../log.ts";
import { sendError } from "./send-error.ts";

/** The part of an express application this needs. */
interface ExpressApp {
  use(handler: (error: unknown, req: unknown, res: unknown, next: unknown) => void): unknown;
}

/**
 * Adds a last error handler to the express app behind `server` (functions-framework's
 * getTestServer), so what its router and body parsers throw before a function runs goes
 * through {@link sendError}: a path that is not valid percent-encoding or a body that is not
 * JSON is a JSON 4xx, an aborted upload one debug line. Without it, express's own handler
 * answers with an HTML page quoting the stack trace and prints the stack on stderr.
 * functions-framework has no hook for this; the app is the server's request listener.
 *
 * @example const app = answerFrameworkErrors(getTestServer("api"), log);
 */
export function answerFrameworkErrors<S extends Server>(
  server: S,
  log: Pick<Logger, "error" | "debug">,
): S {
  const app = server.listeners("request")[0] as unknown as Partial<ExpressApp> | undefined;
  if (typeof app?.use !== "function") {
    throw new TypeError("not an express server: its request listener has no use()");
  }
  // Four parameters: that is how express tells an error handler from a middleware.
  app.use((error, _req, res, _next) =>
    sendError(
      res as Parameters<typeof sendError>[0],
      error,
      (m, f) => log.error(m, f),
      (m, f) => log.debug(m, f),
    ),
  );
  return server;
}
