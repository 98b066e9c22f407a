// A tiny stand-in for the Kubernetes API (batch/v1 Jobs only) for tests of the real client.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** The parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  readonly headers: IncomingMessage["headers"];
}

interface StoredJob {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export interface FakeKubeApiOptions {
  readonly host?: string;
  readonly port?: number;
  /** PEM key and certificate: serve https, as a real API server does. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

const JOBS = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/;

/**
 * Implements create, get, list (with an equality labelSelector) and delete of Jobs, answers
 * errors with proper `Status` objects, and records every request. `failNext` makes the next
 * requests answer a given status; `hangNext` makes them never answer.
 *
 * @example const api = await FakeKubeApi.start(); const kc = api.kubeConfig(); ... await api.close();
 */
export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  /** Stored Jobs by `namespace/name`. */
  readonly jobs = new Map<string, StoredJob>();
  readonly #server: Server;
  readonly #failures: { status: number; reason: string }[] = [];
  #hanging = 0;
  readonly #hung: ServerResponse[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  /**
   * Listens on 127.0.0.1 and a free port, over plain http, unless told otherwise: the container
   * tests serve it over TLS on 0.0.0.0:443, where pods find their API server.
   */
  static async start(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
    let api: FakeKubeApi | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      api!.#handle(req, res).catch((error: unknown) => {
        send(res, 500, status(500, "InternalError", String(error)));
      });
    };
    const server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);
    api = new FakeKubeApi(server);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
    await once(server, "listening");
    return api;
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** A KubeConfig that points at this server with a bearer token. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "fake", server: this.url, skipTLSVerify: true }],
      users: [{ name: "tester", token: "test" }],
      contexts: [{ name: "fake", cluster: "fake", user: "tester" }],
      currentContext: "fake",
    });
    return kc;
  }

  /** The next `times` requests answer `status` with a Status object of `reason`. */
  failNext(status: number, reason: string, times = 1): void {
    for (let i = 0; i < times; i++) this.#failures.push({ status, reason });
  }

  /** The next `times` requests are read and never answered (until close). */
  hangNext(times = 1): void {
    this.#hanging += times;
  }

  job(namespace: string, name: string): StoredJob | undefined {
    return this.jobs.get(`${namespace}/${name}`);
  }

  async close(): Promise<void> {
    for (const res of this.#hung.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, "close");
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const method = req.method ?? "GET";
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: req.headers,
    });

    if (this.#hanging > 0) {
      this.#hanging--;
      this.#hung.push(res);
      return;
    }
    const failure = this.#failures.shift();
    if (failure) {
      send(
        res,
        failure.status,
        status(failure.status, failure.reason, `injected ${failure.reason}`),
      );
      return;
    }
    if (req.headers.authorization !== "Bearer test") {
      send(res, 401, status(401, "Unauthorized", "Unauthorized"));
      return;
    }

    const match = JOBS.exec(url.pathname);
    if (!match) {
      send(res, 404, status(404, "NotFound", `the server could not find ${url.pathname}`));
      return;
    }
    const namespace = decodeURIComponent(match[1]);
    const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const notFound = () =>
      send(
        res,
        404,
        status(404, "NotFound", `jobs.batch "${name}" not found`, { name, kind: "jobs" }),
      );

    if (name === undefined && method === "POST") {
      const job = body as StoredJob;
      const jobName = job?.metadata?.name;
      if (!jobName) {
        send(res, 422, status(422, "Invalid", "metadata.name: Required value"));
        return;
      }
      const key = `${namespace}/${jobName}`;
      if (this.jobs.has(key)) {
        send(
          res,
          409,
          status(409, "AlreadyExists", `jobs.batch "${jobName}" already exists`, {
            name: jobName,
            group: "batch",
            kind: "jobs",
          }),
        );
        return;
      }
      const stored = {
        ...job,
        metadata: { ...job.metadata, namespace, uid: `uid-${this.jobs.size + 1}` },
      };
      this.jobs.set(key, stored);
      send(res, 201, stored);
      return;
    }
    if (name === undefined && method === "GET") {
      const wanted = parseSelector(url.searchParams.get("labelSelector"));
      const items = [...this.jobs.values()].filter(
        (job) =>
          job.metadata.namespace === namespace &&
          Object.entries(wanted).every(([k, v]) => job.metadata.labels?.[k] === v),
      );
      send(res, 200, { kind: "JobList", apiVersion: "batch/v1", metadata: {}, items });
      return;
    }
    if (name !== undefined && method === "GET") {
      const job = this.jobs.get(`${namespace}/${name}`);
      if (!job) return notFound();
      send(res, 200, job);
      return;
    }
    if (name !== undefined && method === "DELETE") {
      const key = `${namespace}/${name}`;
      const job = this.jobs.get(key);
      if (!job) return notFound();
      this.jobs.delete(key);
      send(res, 200, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: {
          name,
          group: "batch",
          kind: "jobs",
          uid: (job.metadata as { uid?: string }).uid,
        },
      });
      return;
    }
    send(res, 405, status(405, "MethodNotAllowed", `${method} is not supported here`));
  }
}

/** The propagationPolicy of a recorded DELETE, from the query or the DeleteOptions body. */
export function propagationPolicyOf(request: RecordedRequest): string | undefined {
  return (
    request.query.propagationPolicy ??
    (request.body as { propagationPolicy?: string } | undefined)?.propagationPolicy
  );
}

/** `a=b,c=d` only: enough for the launcher's selectors. */
function parseSelector(selector: string | null): Record<string, string> {
  if (!selector) return {};
  return Object.fromEntries(
    selector.split(",").map((part) => {
      const [key, value = ""] = part.split("=");
      return [key.trim(), value.trim()];
    }),
  );
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
