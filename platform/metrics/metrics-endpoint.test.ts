// The /metrics route and the metrics server: the registry's text, its content type, nothing else.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { recordWebhook } from "./metrics.ts";
import { metricsHandler, metricsServer } from "./metrics-endpoint.ts";
import { metricsRegistry } from "./registry.ts";

interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(target: Server | RequestListener): Promise<Listening> {
  const server = typeof target === "function" ? createServer(target) : target;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("metricsHandler", () => {
  it("serves the registry with Prometheus' text content type", async () => {
    recordWebhook("backtest", "accepted");
    server = await listen(metricsHandler());
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(metricsRegistry.contentType);
    const text = await response.text();
    expect(text).toContain('zixly_webhooks_received_total{source="backtest",outcome="accepted"}');
    expect(text).toContain("process_cpu_seconds_total");
  });

  it("refuses methods other than GET and HEAD", async () => {
    server = await listen(metricsHandler());
    const response = await fetch(`${server.url}/metrics`, { method: "POST", body: "x" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("metricsServer", () => {
  it("serves /metrics and nothing else", async () => {
    server = await listen(metricsServer());
    expect((await fetch(`${server.url}/metrics?x=1`)).status).toBe(200);
    expect((await fetch(`${server.url}/runs`)).status).toBe(404);
  });
});
