// answersHttp(): any HTTP status is up; a refused connection or the readiness timeout is down.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answersHttp } from "./answers-http.ts";

let server: Server;
let url: string;
let requests: { method?: string; body: string }[];
beforeAll(async () => {
  requests = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      requests.push({ method: req.method, body });
      if (req.url === "/hang") return;
      res.writeHead(req.url === "/down" ? 500 : 405).end("no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe("answersHttp", () => {
  it("is true for any status, 405 and 500 alike, and sends a bodiless GET", async () => {
    expect(await answersHttp(`${url}/broker/default`)(AbortSignal.timeout(1_000))).toBe(true);
    expect(await answersHttp(`${url}/down`)(AbortSignal.timeout(1_000))).toBe(true);
    expect(requests.slice(0, 2)).toEqual([
      { method: "GET", body: "" },
      { method: "GET", body: "" },
    ]);
  });

  it("is false when the connection is refused", async () => {
    const port = await closedPort();
    expect(await answersHttp(`http://127.0.0.1:${port}/`)(AbortSignal.timeout(1_000))).toBe(false);
  });

  it("is false once the signal aborts on a server that never answers", async () => {
    const started = Date.now();
    expect(await answersHttp(`${url}/hang`)(AbortSignal.timeout(100))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
