// The broker as a process of its own, for docker-compose: the embedded broker's routing and
// delivery rules, with Triggers' subscribers reached over HTTP like Knative reaches Services.
// Its deliveries live in the project's database (broker_outbox) and, while that is down, in a
// spool under DATA_HOME, so a 202 from it survives a restart of the broker or of Postgres.
// It takes events only with BROKER_TOKEN, and sends the same token to every subscriber and to
// the dead-letter sink, which require it (docs/decisions/0027-broker-authentication.md).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { TOKEN_CHARACTERS } from "../platform/broker/broker-credentials.ts";
import { brokerIngress } from "../platform/broker/broker-ingress.ts";
import { EmbeddedBroker } from "../platform/broker/embedded-broker.ts";
import { EventSpool } from "../platform/broker/event-spool.ts";
import { httpSubscriber, postEvent } from "../platform/broker/http-subscriber.ts";
import {
  loadBrokerDeliveryFile,
  loadTriggersFile,
} from "../platform/broker/trigger-definitions.ts";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { keepOpening } from "../platform/health/keep-opening.ts";
import { readiness } from "../platform/health/readiness.ts";
import { applyServerLimits } from "../platform/http/server-limits.ts";
import { createLogger } from "../platform/log.ts";
import type { DatabaseOptions } from "../platform/postgres/database.ts";
import { databaseOptionsFrom } from "../platform/postgres/database-options.ts";
import { PostgresRunStore } from "../platform/postgres/postgres-run-store.ts";

const log = createLogger("broker");
let config: ReturnType<typeof loadConfig>;
let token: string;
let databaseOptions: DatabaseOptions;
try {
  config = loadConfig();
  if (!config.DATABASE_URL)
    throw new ConfigError("DATABASE_URL must be set: the broker keeps its deliveries there");
  if (!config.BROKER_TOKEN) {
    throw new ConfigError(
      "BROKER_TOKEN must be set (32 characters or more): the broker takes events only from senders that present it",
    );
  }
  // It goes into the Authorization header of every delivery.
  if (!TOKEN_CHARACTERS.test(config.BROKER_TOKEN))
    throw new ConfigError("BROKER_TOKEN must be printable ASCII without spaces");
  token = config.BROKER_TOKEN;
  databaseOptions = databaseOptionsFrom(config);
} catch (error) {
  process.stderr.write(`error: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
const urlOf = (name: string) => config.SUBSCRIBER_URL_TEMPLATE.replace("{name}", name);
const triggers = await loadTriggersFile();
const delivery = await loadBrokerDeliveryFile();
// The functions take events only with the token: any container on the network could
// otherwise post a forged one straight to them.
const subscribers = Object.fromEntries(
  triggers.map((t) => [t.subscriber, httpSubscriber(urlOf(t.subscriber), { token })]),
);
const sink = delivery.deadLetterSink;

// The database may still be starting: keep trying, with capped backoff, before taking events.
const store = await keepOpening(() => PostgresRunStore.open(databaseOptions), {
  what: "database",
  log,
  close: (s) => s.close(),
}).opened;
const broker = new EmbeddedBroker({
  triggers,
  delivery,
  subscribers,
  // The dead-letter sink is a Service too: it gets the event with Knative's error extensions,
  // and keeps it in Postgres or, while that is down, in its Redis journal. If it cannot take
  // the letter, the broker keeps the delivery and tries the sink again.
  deadLetter: sink
    ? async (letter) => {
        const response = await postEvent(
          urlOf(sink),
          letter.event as Parameters<typeof postEvent>[1],
          { token },
        );
        if (!response.ok) throw new Error(`dead-letter sink answered ${response.status}`);
      }
    : undefined,
  outbox: store.outbox(),
  spool: new EventSpool(join(config.DATA_HOME, "spool")),
  log,
});
await broker.recover();
const ingress = brokerIngress(broker, { token, log });
const ready = readiness({ database: () => store.ping() });
// Health and readiness answer without the token, for the container's healthcheck; every
// other path is the ingress, which refuses a request without the token before its body.
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(broker.stats()));
    return;
  }
  if (req.method === "GET" && req.url === "/readyz") {
    ready.handler(req, res);
    return;
  }
  ingress(req, res);
});
applyServerLimits(server);
server.listen(config.PORT, () =>
  log.info("broker listening", {
    port: (server.address() as AddressInfo).port,
    triggers: triggers.length,
  }),
);
process.on("SIGTERM", async () => {
  server.close();
  // Deliveries in progress finish; the rest stay in the outbox for the next start.
  await broker.close(20_000);
  await store.close();
  process.exit(0);
});
