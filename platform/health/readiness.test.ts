// readiness(): the report's JSON shape and status, per-check timeouts, throws, and the cache.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { readiness } from "./readiness.ts";

const ok = async () => true;
const down = async () => false;
const never = () => new Promise<boolean>(() => {});

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Serves `handler` on a free port and gives its /readyz URL. */
async function serve(handler: RequestListener): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
}

describe("readiness().report", () => {
  it("is ready when every check is ok, and names each", async () => {
    const ready = readiness({ database: ok, broker: ok });
    expect(await ready.report()).toEqual({
      status: "ready",
      checks: { database: "ok", broker: "ok" },
    });
  });

  it("is unready when one check is down, and says which", async () => {
    const ready = readiness({ database: down, broker: ok });
    expect(await ready.report()).toEqual({
      status: "unready",
      checks: { database: "down", broker: "ok" },
    });
  });

  it("counts a check that throws as down", async () => {
    const ready = readiness({
      redis: async () => {
        throw new Error("ECONNREFUSED");
      },
    });
    expect((await ready.report()).checks).toEqual({ redis: "down" });
  });

  it("is ready with no checks at all", async () => {
    expect(await readiness({}).report()).toEqual({ status: "ready", checks: {} });
  });

  it("counts a check that outlives the timeout as down, and aborts its signal", async () => {
    let aborted = false;
    const ready = readiness(
      {
        database: ok,
        broker: (signal) =>
          new Promise<boolean>((resolve) => {
            signal.addEventListener("abort", () => {
              aborted = true;
              resolve(true);
            });
          }),
      },
      { timeoutMs: 50 },
    );
    const started = Date.now();
    expect(await ready.report()).toEqual({
      status: "unready",
      checks: { database: "ok", broker: "down" },
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(aborted).toBe(true);
  });

  it("does not start a hanging check again while its first run is still pending", async () => {
    let runs = 0;
    const ready = readiness(
      {
        database: () => {
          runs++;
          return never();
        },
      },
      { timeoutMs: 20, cacheMs: 0 },
    );
    for (let i = 0; i < 3; i++) expect((await ready.report()).checks.database).toBe("down");
    expect(runs).toBe(1);
  });

  it("reuses a report for cacheMs, then runs the checks again", async () => {
    let clock = 0;
    let runs = 0;
    let state = true;
    const ready = readiness(
      {
        database: async () => {
          runs++;
          return state;
        },
      },
      { cacheMs: 1_000, now: () => clock },
    );
    expect((await ready.report()).status).toBe("ready");
    state = false;
    clock = 999;
    expect((await ready.report()).status).toBe("ready");
    expect(runs).toBe(1);
    clock = 1_000;
    expect((await ready.report()).status).toBe("unready");
    expect(runs).toBe(2);
  });

  it("shares one round among concurrent callers", async () => {
    let runs = 0;
    const ready = readiness({
      database: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 20));
        return true;
      },
    });
    const reports = await Promise.all([ready.report(), ready.report(), ready.report()]);
    expect(reports.map((r) => r.status)).toEqual(["ready", "ready", "ready"]);
    expect(runs).toBe(1);
  });
});

describe("readiness().handler", () => {
  it("answers 200 with the ready report as JSON, not to be cached", async () => {
    const response = await fetch(await serve(readiness({ database: ok }).handler));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe('{"status":"ready","checks":{"database":"ok"}}');
  });

  it("answers 503 with the unready report", async () => {
    const response = await fetch(await serve(readiness({ database: down, redis: ok }).handler));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: "unready",
      checks: { database: "down", redis: "ok" },
    });
  });
});
