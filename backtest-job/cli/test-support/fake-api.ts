// Test-only: a tiny stand-in for the zixly API on node:http, answering canned JSON.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the fake received. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  /** The request's body as text ("" for none). */
  readonly body: string;
}

/** The fake's answer: a status and a JSON body, or raw text for a body that is not JSON. */
export interface FakeAnswer {
  readonly status?: number;
  readonly json?: unknown;
  readonly text?: string;
}

/** A running fake: its base URL, what it was asked, and how to stop it (safe to call twice). */
export interface FakeApi {
  readonly url: string;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

/** Serves `answer(request)` on 127.0.0.1 and a port the OS picks. */
export async function fakeApi(answer: (request: FakeRequest) => FakeAnswer): Promise<FakeApi> {
  const requests: FakeRequest[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    requests.push(request);
    const { status = 200, json, text } = answer(request);
    res.writeHead(status, {
      "content-type": json === undefined ? "text/plain" : "application/json",
    });
    res.end(json === undefined ? (text ?? "") : JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    // Idempotent, so a test may close it early and afterEach close it again.
    close: () => {
      closed ??= new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closed;
    },
  };
}

/** The API's error body. */
export function apiError(status: number, code: string, message: string): FakeAnswer {
  return { status, json: { error: { code, message } } };
}

export const RUN_ID = "run_abcdefghijklmnopqrstuvwxyz";
export const OTHER_RUN_ID = "run_zyxwvutsrqponmlkjihgfedcba";

const BEST_STATS = {
  start: "2020-01-01T00:00:00.000Z",
  equityFinal: 12345.678,
  returnPct: 23.45678,
  maxDrawdownPct: -8.5,
  sharpeRatio: 1.23456,
  trades: 12,
  winRatePct: 58.3333,
  profitFactor: null,
};

/** A run view as GET /runs/:id returns it: a succeeded run of 6 combinations by default. */
export function runView(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    runId: RUN_ID,
    status: "succeeded",
    strategy: "sma-crossover",
    label: "nightly",
    combinations: 6,
    shards: 2,
    progress: { done: 6, total: 6 },
    best: {
      comboIndex: 3,
      params: { fast: 10, slow: 20 },
      stats: BEST_STATS,
      trades: [],
      tradesTotal: 12,
      equityCurve: [],
    },
    error: null,
    errorCode: null,
    createdAt: "2024-05-01T10:00:00.000Z",
    startedAt: "2024-05-01T10:00:01.000Z",
    finishedAt: "2024-05-01T10:01:06.500Z",
    ...overrides,
  };
}

/** A row of GET /runs/:id/results. */
export function resultRow(comboIndex: number, fast: number, sharpeRatio: number | null) {
  return {
    comboIndex,
    params: { fast, slow: 20 },
    stats: {
      equityFinal: 10000 + comboIndex * 100,
      returnPct: comboIndex * 1.5,
      maxDrawdownPct: -5.25,
      sharpeRatio,
      sortinoRatio: 0.5,
      trades: 10 + comboIndex,
      winRatePct: 50,
      profitFactor: 1.5,
      exposureTimePct: 40,
    },
  };
}
