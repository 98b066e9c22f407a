import { mkdir, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test-support/temp-dir.ts";
import { BadInput, TransientFailure } from "./job-errors.ts";
import { type LoadDataOptions, loadData } from "./load-data.ts";

const CSV =
  "date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,100\n2024-01-03,10.5,12,10,11,120\n";

let dir: string;
let outside: string;
let server: Server;
let base: string;
let options: LoadDataOptions;

beforeAll(async () => {
  const root = tempDir("load-data-");
  dir = path.join(root, "data");
  outside = path.join(root, "secret.csv");
  await mkdir(path.join(dir, "daily"), { recursive: true });
  await writeFile(path.join(dir, "daily", "spy.csv"), CSV);
  await writeFile(outside, CSV);
  await symlink(outside, path.join(dir, "link.csv"));
  server = createServer((req, res) => {
    if (req.url === "/ok.csv") return void res.end(CSV);
    if (req.url === "/declared-large.csv") {
      res.writeHead(200, { "content-length": "5000" });
      return void res.end("x".repeat(5000));
    }
    if (req.url === "/streamed-large.csv") {
      // Chunked, no content-length: only counting the stream can catch it.
      res.writeHead(200);
      for (let i = 0; i < 10; i++) res.write("x".repeat(1000));
      return void res.end();
    }
    if (req.url === "/slow.csv") return void setTimeout(() => res.end(CSV), 2_000);
    if (req.url === "/missing.csv") return void res.writeHead(404).end("not found");
    res.writeHead(500).end("boom");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  options = { dataDir: dir, fetchMaxBytes: 4096, fetchTimeoutMs: 1_000 };
});

afterAll(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("loadData", () => {
  it("parses inline csv", async () => {
    const bars = await loadData({ csv: CSV }, options);
    expect(bars.length).toBe(2);
    expect(bars.close[1]).toBe(11);
  });

  it("reports a csv error as bad input, saying where the data came from", async () => {
    const error = await failure(
      loadData({ csv: "date,open,high,low,close\n2024-01-02,1,1,1,x\n" }, options),
    );
    expect(error).toBeInstanceOf(BadInput);
    expect(error.message).toMatch(/^inline csv: CSV line 2, column close/);
  });

  it("reads a path inside DATA_DIR", async () => {
    const bars = await loadData({ path: "daily/spy.csv" }, options);
    expect(bars.length).toBe(2);
  });

  it("refuses paths that escape DATA_DIR, by .., absolute name or symlink", async () => {
    for (const name of ["../secret.csv", "daily/../../secret.csv", outside, "link.csv"]) {
      const error = await failure(loadData({ path: name }, options));
      expect(error).toBeInstanceOf(BadInput);
      expect(error.message).toMatch(/is outside DATA_DIR/);
    }
  });

  it("reports missing data and directories as bad input", async () => {
    expect((await failure(loadData({ path: "nope.csv" }, options))).message).toBe(
      'data "nope.csv": not found',
    );
    expect((await failure(loadData({ path: "daily" }, options))).message).toMatch(/is a directory/);
  });

  it("fetches a url", async () => {
    const bars = await loadData({ url: `${base}/ok.csv` }, options);
    expect(bars.length).toBe(2);
  });

  it("refuses a body larger than FETCH_MAX_BYTES, declared or streamed", async () => {
    for (const name of ["declared-large", "streamed-large"]) {
      const error = await failure(loadData({ url: `${base}/${name}.csv` }, options));
      expect(error).toBeInstanceOf(BadInput);
      expect(error.message).toBe("data url: the response is larger than 4096 bytes");
    }
  });

  it("treats a 4xx as bad input and a 5xx as transient", async () => {
    const missing = await failure(loadData({ url: `${base}/missing.csv` }, options));
    expect(missing).toBeInstanceOf(BadInput);
    expect(missing.message).toBe("data url answered HTTP 404");
    const broken = await failure(loadData({ url: `${base}/broken.csv` }, options));
    expect(broken).toBeInstanceOf(TransientFailure);
    expect(broken.message).toBe("data url answered HTTP 500");
  });

  it("treats a timeout and a refused connection as transient", async () => {
    const slow = await failure(
      loadData({ url: `${base}/slow.csv` }, { ...options, fetchTimeoutMs: 100 }),
    );
    expect(slow).toBeInstanceOf(TransientFailure);
    expect(slow.message).toBe("data url: timed out after 100 ms");
    const refused = await failure(loadData({ url: "http://127.0.0.1:9/x.csv" }, options));
    expect(refused).toBeInstanceOf(TransientFailure);
  });

  it("makes synthetic bars, and reports bad synthetic options as bad input", async () => {
    const bars = await loadData({ synthetic: { bars: 50, seed: 7 } }, options);
    expect(bars.length).toBe(50);
    const error = await failure(loadData({ synthetic: { bars: 0, seed: 7 } }, options));
    expect(error).toBeInstanceOf(BadInput);
    expect(error.message).toMatch(/^synthetic data: bars must be/);
  });
});
