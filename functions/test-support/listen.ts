// Starts an HTTP server on a free port and hands back its base URL and a way to stop it.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A listening server. */
export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 at a free port; accepts a server (e.g. getTestServer's) or a listener. */
export async function listen(target: Server | RequestListener): Promise<Listening> {
  const server = typeof target === "function" ? createServer(target) : target;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** What a receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A webhook receiver that records requests and answers `status` (changeable between calls). */
export async function recordingReceiver(): Promise<
  Listening & { readonly requests: ReceivedRequest[]; status: number }
> {
  const requests: ReceivedRequest[] = [];
  const state = { status: 200 };
  const listening = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(state.status).end();
    });
  });
  return {
    ...listening,
    requests,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
  };
}
