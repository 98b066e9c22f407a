// Starts the whole pipeline in one process: every function, the embedded broker, local Jobs.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { getFunction } from "@google-cloud/functions-framework/testing";
import { CloudEvent, type CloudEventV1 } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { pingSourcePing, type ZixlyEvent } from "../events/index.ts";
import { apiDeps } from "../functions/api/deps.ts";
import { API, registerApi } from "../functions/api/register.ts";
import { deadLettersDeps } from "../functions/dead-letters/deps.ts";
import { registerDeadLetters } from "../functions/dead-letters/register.ts";
import { dispatchDeps } from "../functions/dispatch-backtest/deps.ts";
import { DISPATCH_BACKTEST, registerDispatch } from "../functions/dispatch-backtest/register.ts";
import { resumeRuns } from "../functions/dispatch-backtest/resume.ts";
import { ingestDeps } from "../functions/ingest-webhook/deps.ts";
import type { IngestDeps } from "../functions/ingest-webhook/handler.ts";
import { ingestNodeHandler } from "../functions/ingest-webhook/node-http-adapter.ts";
import { registerIngestWebhook } from "../functions/ingest-webhook/register.ts";
import { notifyDeps } from "../functions/notify/deps.ts";
import { NOTIFY, registerNotify } from "../functions/notify/register.ts";
import { recordDeps } from "../functions/record-result/deps.ts";
import { RECORD_RESULT, registerRecordResult } from "../functions/record-result/register.ts";
import { watchJobsDeps } from "../functions/watch-jobs/deps.ts";
import { registerWatchJobs, WATCH_JOBS } from "../functions/watch-jobs/register.ts";
import { type Adapters, openAdapters } from "../platform/adapters.ts";
import { brokerIngress } from "../platform/broker/broker-ingress.ts";
import { EmbeddedBroker, type Subscriber } from "../platform/broker/embedded-broker.ts";
import { EventSpool } from "../platform/broker/event-spool.ts";
import { InProcessPublisher } from "../platform/broker/in-process-publisher.ts";
import {
  type DeliverySpec,
  loadBrokerDeliveryFile,
  loadTriggersFile,
} from "../platform/broker/trigger-definitions.ts";
import type { Config } from "../platform/config.ts";
import { FileDeadLetterJournal } from "../platform/dead-letters/file-dead-letter-journal.ts";
import { startJournalReplay } from "../platform/dead-letters/journal-replayer.ts";
import { recordDeadLetterSafely } from "../platform/dead-letters/record-dead-letter-safely.ts";
import { type FunctionContext, localLauncher, sourcesFor } from "../platform/function-context.ts";
import { readiness } from "../platform/health/readiness.ts";
import type {
  LocalJobLauncher,
  LocalJobLauncherOptions,
} from "../platform/launchers/local-job-launcher.ts";
import type { Logger } from "../platform/log.ts";
import { MemoryBrokerOutbox } from "../platform/memory/memory-broker-outbox.ts";
import { instrumentPublisher } from "../platform/metrics/instrument-publisher.ts";
import { metricsHandler } from "../platform/metrics/metrics-endpoint.ts";
import { watchRunsInFlight } from "../platform/metrics/runs-in-flight.ts";
import type { BrokerOutbox } from "../platform/ports.ts";
import { PostgresRunStore } from "../platform/postgres/postgres-run-store.ts";
import { frontServer } from "./front-server.ts";
import { BROKER_PATH, internalServer } from "./internal-server.ts";
import { ensureWebhookSecret } from "./webhook-secret.ts";

/** A running stack. */
export interface Stack {
  /** The public listener: webhooks, the api, /metrics, /readyz. */
  readonly url: string;
  readonly port: number;
  /**
   * The broker ingress on the internal listener, `http://127.0.0.1:<port>/broker/default`:
   * where local Jobs report. It takes events only with {@link brokerToken}.
   */
  readonly internalBrokerUrl: string;
  /**
   * The bearer token of the broker ingress, random per process and given to local Jobs as
   * BROKER_TOKEN. A secret: never log it or print it.
   */
  readonly brokerToken: string;
  readonly secret: string;
  /** Whether the stack generated {@link secret} (shown in the banner) or WEBHOOK_SECRET set it. */
  readonly secretGenerated: boolean;
  readonly context: FunctionContext;
  readonly broker: EmbeddedBroker;
  readonly launcher: LocalJobLauncher;
  /**
   * Stops taking requests, lets running shards finish for up to `graceMs` (default
   * SHUTDOWN_GRACE_SECONDS), stops the rest, and closes. What did not finish stays resumable:
   * the next start launches the unfinished shards again and redelivers pending events.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A registered CloudEvent function as a broker subscriber: it ran → 200, it threw → 500
 * (redelivered). The handler is taken once, at start: functions-framework's registry is
 * global, and a later registration must not redirect this stack's events.
 */
function subscriber(name: string, log: Logger): Subscriber {
  const handler = getFunction(name) as ((e: CloudEventV1<unknown>) => Promise<unknown>) | undefined;
  if (!handler) throw new Error(`function ${name} is not registered`);
  return async (event) => {
    try {
      await handler(event);
      return { status: 200 };
    } catch (error) {
      log.warn("subscriber failed; the broker will retry", {
        subscriber: name,
        eventId: event.id,
        error: String(error),
      });
      return { status: 500 };
    }
  };
}

/** What tests may replace: the adapters (to inject faults) and the launcher's settings. */
export interface StackOverrides {
  readonly adapters?: Adapters;
  readonly launcher?: Partial<LocalJobLauncherOptions>;
  /** The broker's outbox; by default a table in the run store's database. */
  readonly outbox?: BrokerOutbox;
  /** Changes the Broker's delivery (knative/base/broker.yaml), e.g. fewer, faster retries. */
  readonly brokerDelivery?: (delivery: DeliverySpec) => DeliverySpec;
}

/** The broker's outbox in the store's own database, or in memory for a store without one. */
function outboxFor(adapters: Adapters, log: Logger): BrokerOutbox {
  if (adapters.store instanceof PostgresRunStore) return adapters.store.outbox();
  log.warn("the run store has no database: broker events are kept in memory only");
  return new MemoryBrokerOutbox();
}

/** Listens on `port` of `host` (all interfaces when undefined) and resolves with the port. */
async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Starts the stack on `config.PORT` (0 picks a free port), and the broker ingress for its
 * Jobs on a free port of 127.0.0.1, with a token of its own (BROKER_TOKEN is not used:
 * nothing outside this process needs to send; docs/decisions/0027-broker-authentication.md).
 * Before it listens it takes up what a previous process left on the same data: it launches
 * again the unfinished shards of running runs and redelivers every event the broker had not
 * delivered.
 */
export async function startStack(
  config: Config,
  log: Logger,
  overrides: StackOverrides = {},
): Promise<Stack> {
  const { secret, generated: secretGenerated } = ensureWebhookSecret(
    config.WEBHOOK_SECRET,
    config.DATA_HOME,
  );
  const adapters = overrides.adapters ?? (await openAdapters(config, log));
  let context: FunctionContext | undefined;
  const ready = async () => {
    if (!context) throw new Error("the stack is not listening yet");
    return context;
  };
  registerIngestWebhook(async () => ingestDeps(await ready()));
  registerApi(async () => apiDeps(await ready()));
  registerDispatch(async () => dispatchDeps(await ready()));
  // Built once: its RunShapes remember runs across events (functions/record-result/run-shapes.ts).
  let record: ReturnType<typeof recordDeps> | undefined;
  registerRecordResult(async () => {
    record ??= recordDeps(await ready());
    return record;
  });
  registerNotify(async () => notifyDeps(await ready()));
  registerWatchJobs(async () => watchJobsDeps(await ready()));
  // Registered for completeness only: the embedded broker records dead letters in the store
  // itself (deadLetter below), so nothing here delivers to it.
  registerDeadLetters(async () => deadLettersDeps(await ready()));

  // A dead letter goes to the database, or, while it is down, to a journal on local disk
  // that shares nothing with it; the replayer moves journalled letters in once it is back.
  const journal = await FileDeadLetterJournal.open({ dir: join(config.DATA_HOME, "dead-letters") });
  const brokerLog = log.child({ component: "broker" });
  const names = [DISPATCH_BACKTEST, RECORD_RESULT, NOTIFY];
  // watch-jobs watches Kubernetes Jobs through ApiServerSource events, which nothing in one
  // process sends: those Triggers are left out, and its reaper runs on a timer below. Every
  // other Trigger must name a subscriber here, or the broker refuses to start.
  const triggers = (await loadTriggersFile()).filter((t) => t.subscriber !== WATCH_JOBS);
  const broker = new EmbeddedBroker({
    triggers,
    delivery: (overrides.brokerDelivery ?? ((d) => d))(await loadBrokerDeliveryFile()),
    subscribers: Object.fromEntries(names.map((n) => [n, subscriber(n, log)])),
    deadLetter: async (letter) => {
      await recordDeadLetterSafely(letter, { store: adapters.store, journal, log: brokerLog });
    },
    outbox: overrides.outbox ?? outboxFor(adapters, log),
    // Accepted events wait here while the database is down (server mode), never in memory.
    spool: new EventSpool(join(config.DATA_HOME, "spool")),
    log: brokerLog,
  });
  const publisher = instrumentPublisher(new InProcessPublisher(broker));
  const replayer = startJournalReplay(journal, adapters.store, { log: brokerLog });

  // Built once, when the stack listens: a webhook must not pay for wiring on every request.
  let ingest: Promise<IngestDeps> | undefined;
  let draining = false;
  let recovered = false;
  const health = readiness({
    database: () => adapters.store.ping(),
    ...(adapters.pingCache ? { redis: adapters.pingCache } : {}),
    // The broker is usable while it accepts: its outbox is the database, its spool the disk.
    broker: async () => recovered && !draining,
  });
  const server = frontServer({
    draining: () => draining,
    ingest: ingestNodeHandler(() => {
      ingest ??= ready().then(ingestDeps);
      return ingest;
    }),
    api: API,
    metrics: metricsHandler(),
    readyz: health.handler,
    log,
  });
  // 256 bits, new on every start: a Job of an earlier process (resumed or orphaned) cannot send.
  const brokerToken = randomBytes(32).toString("base64url");
  const internal = internalServer({
    broker: brokerIngress(broker, {
      token: brokerToken,
      log: log.child({ component: "broker-ingress" }),
    }),
    log,
  });
  const internalPort = await listen(internal, 0, "127.0.0.1");
  const internalBrokerUrl = `http://127.0.0.1:${internalPort}${BROKER_PATH}`;
  let port: number;
  try {
    port = await listen(server, config.PORT);
  } catch (error) {
    internal.close();
    throw error;
  }
  const unwatchRuns = watchRunsInFlight(adapters.store, {
    onError: (error) => log.warn("runs in flight not counted", { error: String(error) }),
  });
  const url = `http://localhost:${port}`;
  // Jobs run as child processes and report to the internal broker ingress, as pods report
  // to K_SINK, with the token in their environment.
  const launcher = localLauncher(
    config,
    { url: internalBrokerUrl, token: brokerToken },
    publisher,
    log,
    overrides.launcher,
  );
  context = {
    config,
    adapters,
    publisher,
    launcher,
    log,
    sources: sourcesFor(config, secret),
    signer: new Webhook(secret),
    publicUrl: config.PUBLIC_URL ?? url,
  };
  // Built now, not on the first webhook; this also replaces a failed build by a request that
  // came before the context existed.
  ingest = Promise.resolve(ingestDeps(context));

  // What the last process left: its Jobs died with it, its pending deliveries are stored.
  await resumeRuns({ store: adapters.store, launcher, log });
  await broker.recover();
  recovered = true;

  // The reaper's clock, as the PingSource is on Kubernetes (knative/base/reaper-ping.yaml).
  const watchJobs = subscriber(WATCH_JOBS, log);
  let tick = 0;
  const reaperTimer = setInterval(() => {
    const ping = new CloudEvent(
      {
        id: `reaper-${Date.now()}-${tick++}`,
        source: "/zixly/stack/reaper",
        type: pingSourcePing.type,
      },
      false,
    );
    void watchJobs(ping as unknown as ZixlyEvent);
  }, config.REAPER_INTERVAL_SECONDS * 1000);
  reaperTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000) => {
    stopping ??= (async () => {
      const started = Date.now();
      // Running shards report through the broker ingress on the internal listener, which
      // keeps serving; the public one answers 503, so nothing new is accepted.
      draining = true;
      clearInterval(reaperTimer);
      server.closeIdleConnections();
      const { unfinished, interrupted } = await launcher.stop(graceMs);
      const left = Object.keys(unfinished);
      if (left.length > 0) {
        log.warn("shutdown left runs unfinished; the next start resumes them", {
          runs: left,
          interrupted,
          unfinished,
        });
      }
      // Deliveries in progress finish; what is queued stays in the outbox for the next start.
      const rest = Math.max(2_000, graceMs - (Date.now() - started));
      await broker.close(rest);
      const closed = [server, internal].map(
        (s) => new Promise<void>((resolve) => s.close(() => resolve())),
      );
      server.closeAllConnections();
      internal.closeAllConnections();
      await Promise.all(closed);
      await replayer.stop();
      unwatchRuns();
      await adapters.close();
      log.info("stopped", { left: broker.stats().left, runsLeft: left.length });
    })();
    return stopping;
  };
  return {
    url,
    port,
    internalBrokerUrl,
    brokerToken,
    secret,
    secretGenerated,
    context,
    broker,
    launcher,
    stop,
  };
}
