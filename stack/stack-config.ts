// npm start's configuration: the environment, with insecure URLs allowed for local development unless it says otherwise.
import { type Config, loadConfig } from "../platform/config.ts";

/** The configuration, and whether `npm start` turned ALLOW_INSECURE_URLS on itself. */
export interface StackConfig {
  readonly config: Config;
  /** True when ALLOW_INSECURE_URLS was not set and `npm start` turned it on: the banner says so. */
  readonly insecureUrlsByDefault: boolean;
}

/**
 * {@link loadConfig} for `npm start`. Insecure URLs are off by default everywhere, but on a
 * developer's machine callbacks and data usually live on localhost over http: unless
 * ALLOW_INSECURE_URLS is set (to anything, `false` included), the stack turns it on and its
 * banner says so and how to turn it off. Throws ConfigError as loadConfig does.
 */
export function stackConfig(env: Record<string, string | undefined> = process.env): StackConfig {
  const unset = env.ALLOW_INSECURE_URLS === undefined || env.ALLOW_INSECURE_URLS === "";
  const config = loadConfig(unset ? { ...env, ALLOW_INSECURE_URLS: "true" } : env);
  return { config, insecureUrlsByDefault: unset };
}
