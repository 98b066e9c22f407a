// The broker as a process of its own, for docker-compose: the embedded broker's routing and
// delivery rules, with Triggers' subscribers reached over HTTP like Knative reaches Services.
import { createServer } from "node:http";
import { brokerIngress } from "../platform/broker/broker-ingress.ts";
import { EmbeddedBroker } from "../platform/broker/embedded-broker.ts";
import { httpSubscriber, postEvent } from "../platform/broker/http-subscriber.ts";
import {
  loadBrokerDeliveryFile,
  loadTriggersFile,
} from "../platform/broker/trigger-definitions.ts";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { createLogger } from "../platform/log.ts";

const log = createLogger("broker");
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`error: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
const urlOf = (name: string) => config.SUBSCRIBER_URL_TEMPLATE.replace("{name}", name);
const triggers = await loadTriggersFile();
const delivery = await loadBrokerDeliveryFile();
const subscribers = Object.fromEntries(
  triggers.map((t) => [t.subscriber, httpSubscriber(urlOf(t.subscriber))]),
);
const sink = delivery.deadLetterSink;
const broker = new EmbeddedBroker({
  triggers,
  delivery,
  subscribers,
  // The dead-letter sink is a Service too: it gets the event with Knative's error extensions.
  deadLetter: sink
    ? async (letter) => {
        const response = await postEvent(
          urlOf(sink),
          letter.event as Parameters<typeof postEvent>[1],
        );
        if (!response.ok) throw new Error(`dead-letter sink answered ${response.status}`);
      }
    : undefined,
  log,
});
const ingress = brokerIngress(broker, { log });
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(broker.stats()));
    return;
  }
  ingress(req, res);
});
server.listen(config.PORT, () =>
  log.info("broker listening", { port: config.PORT, triggers: triggers.length }),
);
process.on("SIGTERM", async () => {
  server.close();
  await broker.close(25_000);
  process.exit(0);
});
