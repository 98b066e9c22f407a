import { mkdir, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import fc from "fast-check";
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
/** Requests the server has had: a refused url must not add one. */
let requests = 0;
/** What /served.csv answers, set by a test. */
let served = "";

beforeAll(async () => {
  const root = tempDir("load-data-");
  dir = path.join(root, "data");
  outside = path.join(root, "secret.csv");
  await mkdir(path.join(dir, "daily"), { recursive: true });
  await writeFile(path.join(dir, "daily", "spy.csv"), CSV);
  await writeFile(outside, CSV);
  await symlink(outside, path.join(dir, "link.csv"));
  server = createServer((req, res) => {
    requests++;
    if (req.url === "/ok.csv") return void res.end(CSV);
    if (req.url === "/served.csv") return void res.end(served);
    if (req.url === "/moved.csv") return void res.writeHead(302, { location: "/ok.csv" }).end();
    if (req.url === "/loop.csv") return void res.writeHead(302, { location: "/loop.csv" }).end();
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
    if (req.url === "/missing.csv") return void res.writeHead(404).end("no such key: bucket-7");
    res.writeHead(500).end("boom at db-7.internal");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  options = { dataDir: dir, fetchMaxBytes: 4096, fetchTimeoutMs: 1_000, allowInsecureUrls: true };
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

  it("fetches a url, following a redirect", async () => {
    expect((await loadData({ url: `${base}/ok.csv` }, options)).length).toBe(2);
    expect((await loadData({ url: `${base}/moved.csv` }, options)).length).toBe(2);
  });

  it("refuses a url the policy forbids as bad input, without a request", async () => {
    const strict = { ...options, allowInsecureUrls: false };
    const before = requests;
    const plain = await failure(loadData({ url: `${base}/ok.csv` }, strict));
    expect(plain).toBeInstanceOf(BadInput);
    expect(plain.message).toBe("data url refused: must use https");
    const port = new URL(base).port;
    for (const host of ["127.0.0.1", "localhost.", "2130706433", "[::ffff:127.0.0.1]"]) {
      const error = await failure(loadData({ url: `https://${host}:${port}/ok.csv` }, strict));
      expect(error).toBeInstanceOf(BadInput);
      expect(error.message).toBe("data url refused: may not point at a private or local address");
    }
    // A name is checked by what it resolves to.
    const named = await failure(
      loadData(
        { url: `https://bars.example.com:${port}/ok.csv` },
        {
          ...strict,
          outboundSeams: { resolve: async () => [{ address: "127.0.0.1", family: 4 }] },
        },
      ),
    );
    expect(named.message).toBe("data url refused: may not point at a private or local address");
    expect(requests).toBe(before);
  });

  it("treats a redirect loop as bad input", async () => {
    const error = await failure(loadData({ url: `${base}/loop.csv` }, options));
    expect(error).toBeInstanceOf(BadInput);
    expect(error.message).toBe("data url: more than 5 redirects");
  });

  it("refuses a body larger than FETCH_MAX_BYTES, declared or streamed", async () => {
    for (const name of ["declared-large", "streamed-large"]) {
      const error = await failure(loadData({ url: `${base}/${name}.csv` }, options));
      expect(error).toBeInstanceOf(BadInput);
      expect(error.message).toBe("data url: the response is larger than 4096 bytes");
    }
  });

  it("treats a 4xx as bad input and a 5xx as transient", async () => {
    // The class of the status only: never the body, nor the exact status line.
    const missing = await failure(loadData({ url: `${base}/missing.csv` }, options));
    expect(missing).toBeInstanceOf(BadInput);
    expect(missing.message).toBe("data url: the server answered with an error (HTTP 4xx)");
    const broken = await failure(loadData({ url: `${base}/broken.csv` }, options));
    expect(broken).toBeInstanceOf(TransientFailure);
    expect(broken.message).toBe("data url: the server answered with an error (HTTP 5xx)");
  });

  it("treats a timeout and a refused connection as transient", async () => {
    const slow = await failure(
      loadData({ url: `${base}/slow.csv` }, { ...options, fetchTimeoutMs: 100 }),
    );
    expect(slow).toBeInstanceOf(TransientFailure);
    expect(slow.message).toBe("data url: timed out after 100 ms");
    const refused = await failure(loadData({ url: "http://127.0.0.1:9/x.csv" }, options));
    expect(refused).toBeInstanceOf(TransientFailure);
    expect(refused.message).toBe("data url: connection failed");
  });

  it("says where a url's CSV is wrong but never quotes its cells", async () => {
    served = "date,open,high,low,close\n2024-01-02,1,1,1,SECRET-cell\n";
    const error = await failure(loadData({ url: `${base}/served.csv` }, options));
    expect(error).toBeInstanceOf(BadInput);
    expect(error.message).toBe("data url: CSV line 2, column close: the value is not a number");
    // Inline CSV is the requester's own text: its errors may quote it.
    const inline = await failure(loadData({ csv: served }, options));
    expect(inline.message).toContain("SECRET-cell");
  });

  it("keeps every cell and header of a url's CSV out of its errors, whatever is wrong", async () => {
    // A marker no message of ours contains, then anything a cell may hold.
    const secret = fc.stringMatching(/^[A-Za-z0-9_:. -]{0,16}$/).map((t) => `Zq${t}`);
    const row = ["2024-01-02", "1", "2", "0.5", "1.5", "10"];
    await fc.assert(
      fc.asyncProperty(secret, fc.nat(6), fc.boolean(), async (text, cell, quote) => {
        const value = quote ? `"${text}"` : text;
        const header = ["date", "open", "high", "low", "close", "volume"];
        const lines = [header, row, ["2024-01-03", "1", "2", "0.5", "1.5", "10"]];
        // Cell 6 is a header name; the others sit in the first data row.
        if (cell === 6) header[1] = value;
        else lines[1] = row.map((c, i) => (i === cell ? value : c));
        served = `${lines.map((l) => l.join(",")).join("\n")}\n`;
        const error = await loadData({ url: `${base}/served.csv` }, options).then(
          () => undefined,
          (e: Error) => e,
        );
        if (error) expect(error.message).not.toContain(text.trim());
      }),
      { numRuns: 60 },
    );
  });

  it("makes synthetic bars, and reports bad synthetic options as bad input", async () => {
    const bars = await loadData({ synthetic: { bars: 50, seed: 7 } }, options);
    expect(bars.length).toBe(50);
    const error = await failure(loadData({ synthetic: { bars: 0, seed: 7 } }, options));
    expect(error).toBeInstanceOf(BadInput);
    expect(error.message).toMatch(/^synthetic data: bars must be/);
  });
});
