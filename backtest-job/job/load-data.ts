// Loads a request's bars: inline CSV, a file inside DATA_DIR, a URL (capped and timed), or synthetic.
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { DataSource } from "../../events/index.ts";
import type { Bars } from "../engine/bars.ts";
import { parseCsv } from "../engine/csv.ts";
import { EngineError } from "../engine/errors.ts";
import { syntheticBars } from "../engine/synthetic.ts";
import { BadInput, TransientFailure } from "./job-errors.ts";

/** Where `path` sources live and how `url` sources are fetched. */
export interface LoadDataOptions {
  readonly dataDir: string;
  /** A response body past this many bytes is refused as bad input. */
  readonly fetchMaxBytes: number;
  /** The whole fetch, body included, must finish within this. */
  readonly fetchTimeoutMs: number;
  /** For tests; the global fetch by default. */
  readonly fetch?: typeof fetch;
}

/**
 * The bars of `source`.
 * @throws {BadInput} for data that can never load: a CSV error, a path missing or outside
 *   DATA_DIR, a body larger than `fetchMaxBytes`, an HTTP 4xx.
 * @throws {TransientFailure} for a network error, a timeout or an HTTP 5xx.
 */
export async function loadData(source: DataSource, options: LoadDataOptions): Promise<Bars> {
  if ("csv" in source) return csv("inline csv", source.csv);
  if ("synthetic" in source) return engine("synthetic data", () => syntheticBars(source.synthetic));
  if ("path" in source)
    return csv(`data "${source.path}"`, await readInside(options.dataDir, source.path));
  return csv(`data url`, await fetchCapped(source.url, options));
}

function csv(what: string, text: string): Bars {
  return engine(what, () => parseCsv(text));
}

/** Engine messages say what is wrong, not which input held it: prefix them. */
function engine<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof EngineError)
      throw new BadInput(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: "not found",
  ENOTDIR: "not found",
  EISDIR: "is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

/**
 * Reads `name` inside `dataDir`. The request schema already refuses `..` and absolute names;
 * this checks again after resolving, and after following symlinks, so no link leads out.
 */
async function readInside(dataDir: string, name: string): Promise<string> {
  const root = path.resolve(dataDir);
  const file = path.resolve(root, name);
  if (!isInside(root, file)) throw new BadInput(`data "${name}" is outside DATA_DIR`);
  try {
    const real = await realpath(file);
    const realRoot = await realpath(root);
    if (!isInside(realRoot, real)) throw new BadInput(`data "${name}" is outside DATA_DIR`);
    return await readFile(real, "utf8");
  } catch (error) {
    if (error instanceof BadInput) throw error;
    const reason = READ_FAILURES[String((error as NodeJS.ErrnoException).code)];
    if (reason) throw new BadInput(`data "${name}": ${reason}`, { cause: error });
    throw error;
  }
}

/** Describes a fetch failure in one line: a timeout says so, others give their cause. */
function fetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `timed out after ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

/** GETs `url`, refusing 4xx as bad input and counting the body's bytes as they stream. */
async function fetchCapped(url: string, options: LoadDataOptions): Promise<string> {
  const { fetchMaxBytes: max, fetchTimeoutMs: timeoutMs } = options;
  const tooLarge = () => new BadInput(`data url: the response is larger than ${max} bytes`);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new TransientFailure(`data url: ${fetchFailure(error, timeoutMs)}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const message = `data url answered HTTP ${response.status}`;
    // A 4xx will answer the same next time; a 5xx (or an unfollowed 3xx) may not.
    if (response.status >= 400 && response.status < 500) throw new BadInput(message);
    throw new TransientFailure(message);
  }
  if (Number(response.headers.get("content-length")) > max) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new TransientFailure(`data url: ${fetchFailure(error, timeoutMs)}`, { cause: error });
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
