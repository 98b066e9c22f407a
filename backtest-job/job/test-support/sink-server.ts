// Test-only: a local broker stand-in that records the CloudEvents POSTed to it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fromHttp, type ZixlyEvent } from "../../../events/index.ts";

/** A running sink: its URL, what it received, and a way to answer with an error instead. */
export interface SinkServer {
  readonly url: string;
  readonly events: ZixlyEvent[];
  /** Status to answer with (default 202); a non-2xx answer records nothing. */
  status: number;
  /** Resolves once `predicate` holds for the received events (polls every 10 ms). */
  waitFor(predicate: (events: readonly ZixlyEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a sink on a free port of 127.0.0.1; events are parsed and checked with `fromHttp`. */
export async function startSinkServer(): Promise<SinkServer> {
  const events: ZixlyEvent[] = [];
  const sink = { status: 202 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (sink.status >= 300) {
        res.writeHead(sink.status).end();
        return;
      }
      try {
        events.push(fromHttp(req.headers, Buffer.concat(chunks).toString("utf8")));
        res.writeHead(sink.status).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(sink, {
    url: `http://127.0.0.1:${port}/`,
    events,
    async waitFor(predicate: (events: readonly ZixlyEvent[]) => boolean, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > until) throw new Error(`sink: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
