// What a cluster gives the pods of the container tests, in one container on their network:
// the Broker's ingress (records every CloudEvent sent to it), the Kubernetes API (Jobs only,
// over TLS with a service-account token), and a control port for the test to read both.
// Bundled by stand-in.ts and run by node in the air-gapped Node base image.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { FakeKubeApi } from "../../../platform/launchers/test-support/fake-kube-api.ts";

/** One request to the broker ingress, as it arrived. */
export interface ReceivedEvent {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const TLS_DIR = process.env.TLS_DIR ?? "/standin-tls";
const events: ReceivedEvent[] = [];

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
}

const kube = await FakeKubeApi.start({
  host: "0.0.0.0",
  port: 443,
  tls: {
    key: readFileSync(`${TLS_DIR}/tls.key`, "utf8"),
    cert: readFileSync(`${TLS_DIR}/tls.crt`, "utf8"),
  },
});

// The broker ingress: every POST is an event; 202 as Knative's ingress answers.
createServer((req, res) => {
  body(req).then(
    (text) => {
      if (req.method !== "POST") return json(res, 405, { error: "POST only" });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers[name] = value;
      }
      events.push({ path: req.url ?? "/", headers, body: text });
      res.writeHead(202).end();
    },
    () => res.writeHead(400).end(),
  );
}).listen(80, "0.0.0.0");

// The test's window: what the broker received and what the API server holds.
createServer((req, res) => {
  if (req.url === "/events") return json(res, 200, events);
  if (req.url === "/jobs") return json(res, 200, [...kube.jobs.values()]);
  if (req.url === "/kube-requests") {
    return json(
      res,
      200,
      kube.requests.map((r) => ({ method: r.method, path: r.path, auth: r.headers.authorization })),
    );
  }
  json(res, 404, { error: "not found" });
}).listen(9000, "0.0.0.0", () => process.stdout.write("cluster stand-in ready\n"));

process.on("SIGTERM", () => process.exit(0));
