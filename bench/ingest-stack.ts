// The embedded stack's webhook path, wired as stack/start-stack.ts wires it, with a broker that drops events.
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as functions from "@google-cloud/functions-framework";
import { Webhook } from "standardwebhooks";
import type { Publisher } from "../events/index.ts";
import { ingestDeps } from "../functions/ingest-webhook/deps.ts";
import { ingestNodeHandler } from "../functions/ingest-webhook/node-http-adapter.ts";
import { loadConfig } from "../platform/config.ts";
import { type FunctionContext, sourcesFor } from "../platform/function-context.ts";
import { createLogger } from "../platform/log.ts";
import { MemoryProgressStore } from "../platform/memory/memory-progress-store.ts";
import { MemoryRateLimiter } from "../platform/memory/memory-rate-limiter.ts";
import { MemoryReplayGuard } from "../platform/memory/memory-replay-guard.ts";
import { MemoryRunStore } from "../platform/memory/memory-run-store.ts";
import { frontServer } from "../stack/front-server.ts";

/** The api route's stand-in: the front server needs one, the benchmark never calls it. */
const BENCH_API = "bench-api";

/** A webhook path listening on 127.0.0.1. */
export interface IngestStack {
  readonly port: number;
  /** Events the dropping broker accepted: one per 202 that was not a replay. */
  published(): number;
  close(): Promise<void>;
}

/**
 * Starts the front server → ingestNodeHandler → handleWebhook path on a free port.
 *
 * Everything up to `publisher.publish()` is the stack's own code: `frontServer`,
 * `ingestNodeHandler` and `ingestDeps`, wired as start-stack.ts wires them.
 * The publisher accepts and drops each event, so no broker, subscriber or Job runs, and the
 * cache adapters are the in-memory ones of an embedded stack without REDIS_URL. The rate
 * limit is the highest the config allows (10,000,000 a minute), so it is checked but never hit.
 */
export async function startIngestStack(secret: string): Promise<IngestStack> {
  const dataHome = mkdtempSync(join(tmpdir(), "bench-ingest-"));
  const config = loadConfig({
    PORT: "0",
    DATA_HOME: dataHome,
    RATE_LIMIT_PER_MINUTE: "10000000",
    WEBHOOK_SECRET: secret,
  });
  const log = createLogger("bench-ingest");
  let published = 0;
  const dropping: Publisher = {
    publish: async () => {
      published++;
    },
  };
  const context: FunctionContext = {
    config,
    adapters: {
      store: new MemoryRunStore(),
      replay: new MemoryReplayGuard(),
      rate: new MemoryRateLimiter(),
      progress: new MemoryProgressStore(),
      kinds: { database: "pglite", cache: "memory" },
      close: async () => undefined,
    },
    publisher: dropping,
    launcher: {
      launch: async () => {
        throw new Error("the ingest benchmark launches no Jobs");
      },
      cancel: async () => undefined,
    },
    log,
    sources: sourcesFor(config, secret),
    signer: new Webhook(secret),
    publicUrl: "http://localhost:0",
  };
  // As start-stack.ts: the dependencies are built once, and webhooks reach the handler on node:http.
  const deps = ingestDeps(context);
  functions.http(BENCH_API, (_req, res) => {
    res.status(404).json({ error: { code: "not_found", message: "not benchmarked" } });
  });
  const server: Server = frontServer({
    ingest: ingestNodeHandler(async () => deps),
    api: BENCH_API,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    published: () => published,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dataHome, { recursive: true, force: true });
    },
  };
}
