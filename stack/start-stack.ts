// Starts the whole pipeline in one process: every function, the embedded broker, local Jobs.
import type { AddressInfo } from "node:net";
import { getFunction } from "@google-cloud/functions-framework/testing";
import type { CloudEventV1 } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { apiDeps } from "../functions/api/deps.ts";
import { API, registerApi } from "../functions/api/register.ts";
import { deadLettersDeps } from "../functions/dead-letters/deps.ts";
import { registerDeadLetters } from "../functions/dead-letters/register.ts";
import { dispatchDeps } from "../functions/dispatch-backtest/deps.ts";
import { DISPATCH_BACKTEST, registerDispatch } from "../functions/dispatch-backtest/register.ts";
import { ingestDeps } from "../functions/ingest-webhook/deps.ts";
import type { IngestDeps } from "../functions/ingest-webhook/handler.ts";
import { ingestNodeHandler } from "../functions/ingest-webhook/node-http-adapter.ts";
import { registerIngestWebhook } from "../functions/ingest-webhook/register.ts";
import { notifyDeps } from "../functions/notify/deps.ts";
import { NOTIFY, registerNotify } from "../functions/notify/register.ts";
import { recordDeps } from "../functions/record-result/deps.ts";
import { RECORD_RESULT, registerRecordResult } from "../functions/record-result/register.ts";
import { WATCH_JOBS } from "../functions/watch-jobs/register.ts";
import { type Adapters, openAdapters } from "../platform/adapters.ts";
import { brokerIngress } from "../platform/broker/broker-ingress.ts";
import { EmbeddedBroker, type Subscriber } from "../platform/broker/embedded-broker.ts";
import { InProcessPublisher } from "../platform/broker/in-process-publisher.ts";
import {
  loadBrokerDeliveryFile,
  loadTriggersFile,
} from "../platform/broker/trigger-definitions.ts";
import type { Config } from "../platform/config.ts";
import { type FunctionContext, localLauncher, sourcesFor } from "../platform/function-context.ts";
import type {
  LocalJobLauncher,
  LocalJobLauncherOptions,
} from "../platform/launchers/local-job-launcher.ts";
import type { Logger } from "../platform/log.ts";
import { instrumentPublisher } from "../platform/metrics/instrument-publisher.ts";
import { metricsHandler } from "../platform/metrics/metrics-endpoint.ts";
import { watchRunsInFlight } from "../platform/metrics/runs-in-flight.ts";
import { frontServer } from "./front-server.ts";
import { ensureWebhookSecret } from "./webhook-secret.ts";

/** A running stack. */
export interface Stack {
  readonly url: string;
  readonly port: number;
  readonly secret: string;
  readonly context: FunctionContext;
  readonly broker: EmbeddedBroker;
  readonly launcher: LocalJobLauncher;
  /** Stops taking requests, lets running work finish (up to `timeoutMs`), then closes. */
  stop(timeoutMs?: number): Promise<void>;
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
}

/** Starts the stack on `config.PORT` (0 picks a free port). */
export async function startStack(
  config: Config,
  log: Logger,
  overrides: StackOverrides = {},
): Promise<Stack> {
  const secret = ensureWebhookSecret(config.WEBHOOK_SECRET, config.DATA_HOME);
  const adapters = overrides.adapters ?? (await openAdapters(config, log));
  let context: FunctionContext | undefined;
  const ready = async () => {
    if (!context) throw new Error("the stack is not listening yet");
    return context;
  };
  registerIngestWebhook(async () => ingestDeps(await ready()));
  registerApi(async () => apiDeps(await ready()));
  registerDispatch(async () => dispatchDeps(await ready()));
  registerRecordResult(async () => recordDeps(await ready()));
  registerNotify(async () => notifyDeps(await ready()));
  // Registered for completeness only: the embedded broker records dead letters in the store
  // itself (deadLetter below), so nothing here delivers to it.
  registerDeadLetters(async () => deadLettersDeps(await ready()));

  const names = [DISPATCH_BACKTEST, RECORD_RESULT, NOTIFY];
  // watch-jobs (Job failures and the reaper) watches Kubernetes through ApiServerSource and
  // PingSource events, which nothing in one process sends: its Triggers are left out. Every
  // other Trigger must name a subscriber here, or the broker refuses to start.
  const triggers = (await loadTriggersFile()).filter((t) => t.subscriber !== WATCH_JOBS);
  const broker = new EmbeddedBroker({
    triggers,
    delivery: await loadBrokerDeliveryFile(),
    subscribers: Object.fromEntries(names.map((n) => [n, subscriber(n, log)])),
    deadLetter: (letter) => adapters.store.recordDeadLetter(letter),
    log: log.child({ component: "broker" }),
  });
  const publisher = instrumentPublisher(new InProcessPublisher(broker));

  // Built once, when the stack listens: a webhook must not pay for wiring on every request.
  let ingest: Promise<IngestDeps> | undefined;
  let draining = false;
  const server = frontServer({
    draining: () => draining,
    ingest: ingestNodeHandler(() => {
      ingest ??= ready().then(ingestDeps);
      return ingest;
    }),
    api: API,
    broker: brokerIngress(broker, { log: log.child({ component: "broker-ingress" }) }),
    metrics: metricsHandler(),
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const unwatchRuns = watchRunsInFlight(adapters.store, {
    onError: (error) => log.warn("runs in flight not counted", { error: String(error) }),
  });
  const url = `http://localhost:${port}`;
  // Jobs run as child processes and report to the broker ingress, as pods report to K_SINK.
  const launcher = localLauncher(
    config,
    `http://127.0.0.1:${port}/broker/default`,
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

  const stop = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    // Running shards report through the broker ingress, on this server: it keeps listening
    // for them and answers everything else 503 until the Jobs and the broker are idle.
    draining = true;
    server.closeIdleConnections();
    while (Date.now() < deadline) {
      await launcher.drain(Math.max(0, deadline - Date.now()));
      await broker.drain(Math.max(0, deadline - Date.now()));
      const l = launcher.stats();
      const b = broker.stats();
      if (l.running + l.queued === 0 && b.inFlight + b.waiting === 0) break;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await broker.close();
    unwatchRuns();
    await adapters.close();
  };
  return { url, port, secret, context, broker, launcher, stop };
}
