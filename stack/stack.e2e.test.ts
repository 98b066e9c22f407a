// End to end over real HTTP: signed webhook -> CloudEvent -> Job process -> Postgres -> api.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack, StackOverrides } from "./start-stack.ts";
import { postSigned, waitForRun } from "./test-support/client.ts";
import { describeBackends, faultyStore, testAdapters } from "./test-support/test-adapters.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SHARED_DATA = fileURLToPath(new URL("../../shared/data/", import.meta.url));
const hasGoog = existsSync(join(SHARED_DATA, "GOOG.csv"));
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

console.warn(`end-to-end tests run against ${describeBackends()}`);
if (!hasGoog) console.warn(`skipping the GOOG end-to-end case: ${SHARED_DATA} is absent`);

function stackWith(env: Record<string, string>, overrides: StackOverrides = {}): Promise<Stack> {
  return startTestStack(
    {
      DATA_DIR: hasGoog ? SHARED_DATA : join(REPO, "data"),
      WEBHOOK_SECRET: SECRET,
      MAX_BODY_BYTES: String(64 * 1024),
      MAX_COMBINATIONS: "500",
      ...env,
    },
    "e2e",
    overrides,
  );
}

const SMALL = {
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 30] },
  data: { synthetic: { bars: 400, seed: 7 } },
};

describe("the pipeline, end to end", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackWith({});
  });
  afterAll(async () => {
    await stack?.stop(20_000);
  });

  it.skipIf(!hasGoog)(
    "runs a signed GOOG sweep whose row equals the single-backtest CLI output",
    async () => {
      const request = {
        strategy: "sma-crossover",
        params: { fast: [5, 10], slow: [20, 30, 40] },
        data: { path: "GOOG.csv" },
        commission: 0.002,
        shards: 2,
      };
      const accepted = await postSigned(stack.url, SECRET, request);
      expect(accepted.status).toBe(202);
      const runId = String(accepted.json.runId);
      expect(accepted.json.statusUrl).toBe(`${stack.url}/runs/${runId}`);
      const run = await waitForRun(stack.url, runId);
      expect(run).toMatchObject({
        status: "succeeded",
        combinations: 6,
        shards: 2,
        progress: { done: 6, total: 6 },
      });

      const page = (await (await fetch(`${stack.url}/runs/${runId}/results?limit=10`)).json()) as {
        results: { params: Record<string, number>; stats: Record<string, number | null> }[];
      };
      expect(page.results).toHaveLength(6);
      const row = page.results.find((r) => r.params.fast === 10 && r.params.slow === 20);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          "--import",
          "tsx",
          "backtest-job/cli.ts",
          "backtest",
          "--data",
          join(SHARED_DATA, "GOOG.csv"),
          "--strategy",
          "sma-crossover",
          "--params",
          '{"fast":10,"slow":20}',
          "--commission",
          "0.002",
          "--json",
        ],
        { cwd: REPO },
      );
      const cli = JSON.parse(stdout) as { stats: Record<string, number> };
      for (const name of Object.keys(row!.stats)) {
        expect(row!.stats[name], name).toBeCloseTo(cli.stats[name], 9);
      }
      expect(row!.stats.equityFinal).toBe(cli.stats.equityFinal);
      expect(cli.stats.trades).toBe(93);
    },
  );

  it("gives a redelivered webhook the same run: one run, one set of Jobs, rows once", async () => {
    const id = "msg_redelivered";
    const startedBefore = stack.launcher.stats().started;
    // Two deliveries at once, and a third after the run finished.
    const [a, b] = await Promise.all([
      postSigned(stack.url, SECRET, SMALL, { id }),
      postSigned(stack.url, SECRET, SMALL, { id }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.json.runId).toBe(a.json.runId);
    const runId = String(a.json.runId);
    const first = await waitForRun(stack.url, runId);
    expect(first.status).toBe("succeeded");
    const c = await postSigned(stack.url, SECRET, SMALL, { id });
    expect(c.json.runId).toBe(runId);
    await stack.broker.drain(5_000);
    const again = await waitForRun(stack.url, runId);
    expect(again.finishedAt).toBe(first.finishedAt);
    const listed = (await (await fetch(`${stack.url}/runs?limit=1000`)).json()) as {
      runs: { runId: string }[];
    };
    expect(listed.runs.filter((r) => r.runId === runId)).toHaveLength(1);
    const page = (await (await fetch(`${stack.url}/runs/${runId}/results?limit=100`)).json()) as {
      total: number;
      results: unknown[];
    };
    expect([page.total, page.results.length]).toEqual([4, 4]);
    // 4 combinations make one shard: one Job process, however often the webhook came.
    expect(stack.launcher.stats().started - startedBefore).toBe(1);
  });

  it("refuses bad requests with the right status and says what and where", async () => {
    const badSig = await postSigned(stack.url, SECRET, SMALL, {
      signature: "v1,dawfeoifkpqwoekfpqoekf",
    });
    expect([badSig.status, (badSig.json.error as { code: string }).code]).toEqual([
      401,
      "unauthorized",
    ]);
    const stale = await postSigned(stack.url, SECRET, SMALL, {
      at: new Date(Date.now() - 301_000),
    });
    expect(stale.status).toBe(401);
    const badJson = await postSigned(stack.url, SECRET, "{not json");
    expect(badJson.status).toBe(400);
    expect((badJson.json.error as { message: string }).message).toMatch(/not valid JSON/);
    const schema = await postSigned(stack.url, SECRET, { ...SMALL, cash: -5, mode: "sideways" });
    expect(schema.status).toBe(400);
    const paths = ((schema.json.error as { issues: { path: string }[] }).issues ?? []).map(
      (i) => i.path,
    );
    expect(paths).toEqual(["cash", "mode"]);
    const big = await postSigned(stack.url, SECRET, { ...SMALL, label: "x".repeat(70 * 1024) });
    expect(big.status).toBe(413);
    const traversal = await postSigned(stack.url, SECRET, {
      ...SMALL,
      data: { path: "../../etc/passwd" },
    });
    expect([
      traversal.status,
      (traversal.json.error as { issues: { path: string }[] }).issues[0].path,
    ]).toEqual([400, "data.path"]);
    const many = await postSigned(stack.url, SECRET, {
      ...SMALL,
      params: { fast: { from: 2, to: 40, step: 1 }, slow: { from: 41, to: 80, step: 1 } },
    });
    expect([many.status, (many.json.error as { message: string }).message]).toEqual([
      400,
      "params: the grid gives 1560 combinations, more than the cap of 500",
    ]);
  });
});

describe("failures end a run with the reason", () => {
  it("marks the run failed when its Job crashes", async () => {
    const stack = await stackWith(
      {},
      {
        launcher: {
          command: {
            file: process.execPath,
            args: ["-e", "console.error('boom'); process.exit(3)"],
          },
          maxRetries: 0,
        },
      },
    );
    try {
      const { json } = await postSigned(stack.url, SECRET, SMALL);
      const run = await waitForRun(stack.url, String(json.runId));
      expect(run.status).toBe("failed");
      expect(run.errorCode).toBe("crashed");
      expect(String(run.error)).toMatch(/exit code 3.*boom/);
    } finally {
      await stack.stop(10_000);
    }
  });

  it("marks the run failed when its Job passes the deadline", async () => {
    const stack = await stackWith(
      { JOB_DEADLINE_SECONDS: "1" },
      {
        launcher: {
          command: { file: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] },
          killGraceMs: 200,
        },
      },
    );
    try {
      const { json } = await postSigned(stack.url, SECRET, SMALL);
      const run = await waitForRun(stack.url, String(json.runId));
      expect([run.status, run.errorCode]).toEqual(["failed", "deadline"]);
      expect(String(run.error)).toMatch(/ran longer than 1 s/);
    } finally {
      await stack.stop(10_000);
    }
  });

  it("keeps a shard's results when the database is down as they arrive: the broker redelivers", async () => {
    const state = { down: true, failures: 0 };
    const stack = await stackWith(
      {},
      { adapters: await testAdapters((s) => faultyStore(s, state)) },
    );
    try {
      const { json } = await postSigned(stack.url, SECRET, SMALL);
      const runId = String(json.runId);
      const deadline = Date.now() + 20_000;
      while (state.failures < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(state.failures).toBeGreaterThanOrEqual(2);
      state.down = false;
      const run = await waitForRun(stack.url, runId);
      expect(run).toMatchObject({ status: "succeeded", progress: { done: 4, total: 4 } });
      const page = (await (await fetch(`${stack.url}/runs/${runId}/results`)).json()) as {
        results: unknown[];
      };
      expect(page.results).toHaveLength(4);
    } finally {
      await stack.stop(10_000);
    }
  });
});
