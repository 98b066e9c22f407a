// The Authorization header a publisher sends to the broker: a shared token, or a token file.
import { readFile } from "node:fs/promises";
import type { AuthorizationSource } from "../../events/index.ts";
import { ConfigError } from "../config.ts";

/** Where the broker's credentials come from; at most one of the two. */
export interface BrokerCredentials {
  /** A literal bearer token: BROKER_TOKEN (compose, the embedded stack's Jobs). */
  readonly token?: string;
  /**
   * A file holding the bearer token: K_SINK_TOKEN_FILE, a projected service-account token
   * that the kubelet rewrites before it expires (Knative's OIDC sender authentication).
   */
  readonly tokenFile?: string;
}

/**
 * How long a token read from a file is used before the file is read again. The kubelet
 * rewrites a projected token at 80 % of its life (48 minutes of an hour), so a minute old is
 * always still valid; reading at most once a minute spares a read per event.
 */
export const TOKEN_FILE_CACHE_MS = 60_000;

/** What a bearer token may hold (RFC 6750's b64token and more, but nothing a header breaks on). */
export const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;

export interface BrokerAuthorizationOptions {
  /** Default {@link TOKEN_FILE_CACHE_MS}; 0 reads the file on every publish. */
  readonly cacheMs?: number;
  /** For tests. */
  readonly now?: () => number;
}

/**
 * The Authorization header source for `credentials`, or undefined when there are none (a
 * broker that takes anything: tests, Knative without OIDC). A token file is read lazily and
 * trimmed; a missing or empty file fails that publish, and the next one reads it again.
 * @throws {ConfigError} when both a token and a token file are given.
 * @example new HttpPublisher(config.K_SINK, { authorization: brokerAuthorization(credentialsOf(config)) })
 */
export function brokerAuthorization(
  credentials: BrokerCredentials,
  options: BrokerAuthorizationOptions = {},
): AuthorizationSource | undefined {
  const { token, tokenFile } = credentials;
  if (token !== undefined && tokenFile !== undefined) {
    throw new ConfigError(
      "BROKER_TOKEN and K_SINK_TOKEN_FILE are both set: the broker takes one kind of credential",
    );
  }
  if (token !== undefined) {
    if (!TOKEN_CHARACTERS.test(token)) {
      throw new ConfigError("BROKER_TOKEN must be printable ASCII without spaces");
    }
    const header = `Bearer ${token}`;
    return () => header;
  }
  if (tokenFile === undefined) return undefined;
  const cacheMs = options.cacheMs ?? TOKEN_FILE_CACHE_MS;
  const now = options.now ?? Date.now;
  let cached: { header: string; readAt: number } | undefined;
  return async () => {
    const at = now();
    if (cached && at - cached.readAt < cacheMs) return cached.header;
    const text = (await readFile(tokenFile, "utf8")).trim();
    // The file's content is never quoted in an error: it is the secret.
    if (text === "") throw new Error(`the broker token file ${tokenFile} is empty`);
    // Checked here, since fetch quotes a header value it refuses in its error.
    if (!TOKEN_CHARACTERS.test(text)) {
      throw new Error(`the broker token file ${tokenFile} holds characters a token cannot have`);
    }
    cached = { header: `Bearer ${text}`, readAt: at };
    return cached.header;
  };
}

/** The broker credentials that configuration names. */
export function credentialsOf(config: {
  readonly BROKER_TOKEN?: string;
  readonly K_SINK_TOKEN_FILE?: string;
}): BrokerCredentials {
  return { token: config.BROKER_TOKEN, tokenFile: config.K_SINK_TOKEN_FILE };
}
