// Loads a request's bars: inline CSV, a file inside DATA_DIR, a URL (capped and timed), or synthetic.
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { DataSource } from "../../events/index.ts";
import type { ConnectorSeams } from "../../platform/outbound/checked-connector.ts";
import {
  guardedFetch,
  type OutboundPolicy,
  outboundError,
} from "../../platform/outbound/guarded-fetch.ts";
import { OutboundRefused } from "../../platform/outbound/outbound-errors.ts";
import type { Bars } from "../engine/bars.ts";
import { parseCsv } from "../engine/csv.ts";
import { CsvError, EngineError } from "../engine/errors.ts";
import { syntheticBars } from "../engine/synthetic.ts";
import { BadInput, TransientFailure } from "./job-errors.ts";

/** Where `path` sources live and how `url` sources are fetched. */
export interface LoadDataOptions {
  readonly dataDir: string;
  /** A response body past this many bytes is refused as bad input. */
  readonly fetchMaxBytes: number;
  /** The whole fetch, redirects and body included, must finish within this. */
  readonly fetchTimeoutMs: number;
  /** ALLOW_INSECURE_URLS: http and private addresses allowed (local development, tests). */
  readonly allowInsecureUrls: boolean;
  /** For tests: name resolution and dialling of url sources (platform/outbound). */
  readonly outboundSeams?: ConnectorSeams;
}

/** Redirects a data url may take; each is checked like the url itself. */
const MAX_REDIRECTS = 5;

/**
 * The bars of `source`. Messages are shown to the requester as the run's error: a url
 * source's never quote what its server sent (a body, a status line, the text of a cell).
 * @throws {BadInput} for data that can never load: a CSV error, a path missing or outside
 *   DATA_DIR, a body larger than `fetchMaxBytes`, a url the policy refuses, an HTTP 4xx.
 * @throws {TransientFailure} for a network error, a timeout or an HTTP 5xx.
 */
export async function loadData(source: DataSource, options: LoadDataOptions): Promise<Bars> {
  if ("csv" in source) return csv("inline csv", source.csv);
  if ("synthetic" in source) return engine("synthetic data", () => syntheticBars(source.synthetic));
  if ("path" in source)
    return csv(`data "${source.path}"`, await readInside(options.dataDir, source.path));
  const text = await fetchCapped(source.url, options);
  try {
    return parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) {
      throw new BadInput(`data url: ${withoutContent(error)}`, { cause: error });
    }
    throw error;
  }
}

/** Header names the CSV reader knows; quoting one of them reveals nothing of the file. */
const COLUMN_NAMES = new Set([
  "",
  "date",
  "time",
  "timestamp",
  "datetime",
  "open",
  "high",
  "low",
  "close",
  "volume",
]);
const known = (name: string | undefined) =>
  name !== undefined && COLUMN_NAMES.has(name.toLowerCase());

/**
 * A CSV error as line, column and what is wrong, with every quoted cell replaced by
 * "the value": the file came from someone else's server and may hold anything.
 * @example withoutContent(csvError) // 'CSV line 3, column close: the value is not a number'
 */
function withoutContent(error: CsvError): string {
  const prefix = `CSV line ${error.line}${error.column ? `, column ${error.column}` : ""}: `;
  const detail = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : "the data is not valid CSV";
  const redacted = detail.replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, inner: string) =>
    known(inner) ? quoted : "the value",
  );
  return `CSV line ${error.line}${known(error.column) ? `, column ${error.column}` : ""}: ${redacted}`;
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

/** A refused or failed fetch as the Job's failure: whatever a retry cannot change is bad input. */
function jobError(error: unknown, policy: OutboundPolicy): BadInput | TransientFailure {
  const outbound = outboundError(error, policy);
  const final =
    outbound instanceof OutboundRefused ||
    outbound.kind === "redirect" ||
    (outbound.status !== undefined && outbound.status >= 400 && outbound.status < 500);
  return final
    ? new BadInput(outbound.publicMessage, { cause: outbound })
    : new TransientFailure(outbound.publicMessage, { cause: outbound });
}

/** GETs `url` under the URL policy, counting the body's bytes as they stream. */
async function fetchCapped(url: string, options: LoadDataOptions): Promise<string> {
  const max = options.fetchMaxBytes;
  const policy: OutboundPolicy = {
    what: "data url",
    allowInsecure: options.allowInsecureUrls,
    timeoutMs: options.fetchTimeoutMs,
    maxRedirects: MAX_REDIRECTS,
    seams: options.outboundSeams,
  };
  const tooLarge = () => new BadInput(`data url: the response is larger than ${max} bytes`);
  let response: Awaited<ReturnType<typeof guardedFetch>>;
  try {
    response = await guardedFetch(url, {}, policy);
  } catch (error) {
    throw jobError(error, policy);
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
      throw jobError(error, policy);
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
