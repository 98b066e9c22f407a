// Where the API is and how to authenticate: the --url/--token flags, their env fallbacks.
import type { FlagSpec } from "./args.ts";
import { BadInput } from "./bad-input.ts";

/** The base URL used when neither --url nor ZIXLY_URL is given: the embedded stack's port. */
export const DEFAULT_API_URL = "http://localhost:8080";

/** Flags every API command takes. */
export const API_FLAGS = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagSpec;

/** An API to talk to: its base URL (no trailing slash) and bearer token, if any. */
export interface ApiTarget {
  readonly baseUrl: string;
  readonly token?: string;
}

/**
 * Resolves the target from flags, falling back to `ZIXLY_URL` and `ZIXLY_TOKEN`, so a shell
 * can set them once. A flag wins over the environment; an empty value counts as unset.
 * @example apiTarget({ url: "http://api:8080/" }) // { baseUrl: "http://api:8080" }
 */
export function apiTarget(
  flags: { readonly url?: string; readonly token?: string },
  env: Readonly<Record<string, string | undefined>> = process.env,
): ApiTarget {
  const fromFlag = Boolean(flags.url);
  const text = (fromFlag ? flags.url : env.ZIXLY_URL) || DEFAULT_API_URL;
  const where = fromFlag ? "--url" : env.ZIXLY_URL ? "ZIXLY_URL" : "--url";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadInput(`${where}: "${text}" is not a URL, for example ${DEFAULT_API_URL}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BadInput(`${where}: "${text}" is not an http or https URL`);
  }
  if (url.search || url.hash) {
    throw new BadInput(`${where}: "${text}" must be a base URL, without ? or #`);
  }
  const token = flags.token || env.ZIXLY_TOKEN || undefined;
  return { baseUrl: url.href.replace(/\/+$/, ""), token };
}
