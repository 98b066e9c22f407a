// GET requests to the zixly API, with every way they fail turned into one line naming the cause.
import type { z } from "zod";
import type { ApiTarget } from "./api-target.ts";
import { BadInput } from "./bad-input.ts";

/** What a request is about, so a failure can name it. */
export interface RequestContext {
  /** The run the URL is about: a 404 then reads "no run ID". */
  readonly runId?: string;
}

/**
 * The API has no run of that id (404). Right after a webhook's 202 this means "accepted, not
 * recorded yet": dispatch-backtest records the run when the broker delivers its event.
 */
export class RunNotFound extends BadInput {
  constructor(runId: string) {
    super(`no run ${runId}`);
    this.name = "RunNotFound";
  }
}

/**
 * GETs `url` with the bearer token, checks the JSON body against `schema` and returns it.
 * Failures the user can act on are {@link BadInput} (exit 2): an unreachable host, a 401,
 * a 404, a 400 (with the API's message, its `query.limit` reworded as `--limit`), and a body
 * that is not the API's. A 5xx is the server's fault, so it is a plain Error (exit 1).
 * @example await getJson(`${base}/runs/${id}`, RunViewSchema, { token }, { runId: id })
 */
export async function getJson<S extends z.ZodType>(
  url: string,
  schema: S,
  auth: { readonly token?: string },
  context: RequestContext = {},
): Promise<z.infer<S>> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  const response = await fetch(url, { headers }).catch((error: unknown) => {
    throw new BadInput(`--url: cannot reach ${origin(url)}: ${reason(error)}`, { cause: error });
  });
  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) throw statusError(url, response.status, body, auth, context);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new BadInput(
      `--url: ${origin(url)} is not the zixly API: GET ${pathOf(url)} answered ${
        body === undefined ? "something other than JSON" : "JSON of another shape"
      }`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** {@link getJson} for a path under a target's base URL, e.g. `/runs?limit=5`. */
export function apiGet<S extends z.ZodType>(
  target: ApiTarget,
  path: string,
  schema: S,
  context: RequestContext = {},
): Promise<z.infer<S>> {
  return getJson(`${target.baseUrl}${path}`, schema, target, context);
}

function statusError(
  url: string,
  status: number,
  body: unknown,
  auth: { readonly token?: string },
  context: RequestContext,
): Error {
  const message = apiMessage(body);
  if (status === 401) {
    return new BadInput(
      auth.token
        ? "--token: the API refused the token (401)"
        : "the API wants a token: --token or ZIXLY_TOKEN",
    );
  }
  if (status === 404 && context.runId !== undefined) {
    return new RunNotFound(context.runId);
  }
  if (status === 404) {
    return new BadInput(`--url: ${origin(url)} has no ${pathOf(url)} (404); is it the zixly API?`);
  }
  if (status === 400 && message) {
    // The API names the bad query parameter as query.NAME; the user typed it as --NAME.
    return new BadInput(message.replace(/\bquery\.([a-z]+)/g, "--$1"));
  }
  const line = `the API answered ${status} to GET ${pathOf(url)}${message ? `: ${message}` : ""}`;
  return status >= 500 ? new Error(line) : new BadInput(line);
}

/** The message of the API's error body, `{"error": {"code", "message"}}`. */
function apiMessage(body: unknown): string | undefined {
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === "string" ? message : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Why fetch failed: undici says only "fetch failed" and keeps the reason in `cause`. */
function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function origin(url: string): string {
  return new URL(url).origin;
}

function pathOf(url: string): string {
  const { pathname, search } = new URL(url);
  return `${pathname}${search}`;
}
