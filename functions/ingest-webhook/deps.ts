// Builds ingest-webhook's dependencies from the process's function context.
import type { FunctionContext } from "../../platform/function-context.ts";
import { compileTrust } from "../../platform/http/client-address.ts";
import { verifierFor } from "./authenticate.ts";
import type { IngestDeps } from "./handler.ts";

export function ingestDeps(ctx: FunctionContext): IngestDeps {
  return {
    sources: new Map(
      Object.entries(ctx.sources).map(([name, source]) => [name, verifierFor(source)]),
    ),
    replay: ctx.adapters.replay,
    rate: ctx.adapters.rate,
    publisher: ctx.publisher,
    log: ctx.log.child({ function: "ingest-webhook" }),
    limits: {
      maxBodyBytes: ctx.config.MAX_BODY_BYTES,
      maxCombinations: ctx.config.MAX_COMBINATIONS,
      ratePerMinute: ctx.config.RATE_LIMIT_PER_MINUTE,
      replayTtlSeconds: ctx.config.REPLAY_TTL_SECONDS,
      allowInsecureUrls: ctx.config.ALLOW_INSECURE_URLS,
    },
    publicUrl: ctx.publicUrl,
    trustProxy: compileTrust(ctx.config.TRUSTED_PROXIES),
  };
}
