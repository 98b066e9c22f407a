// `zixly submit` against a fake webhook and API: signs, follows the statusUrl, prints the best.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test-support/temp-dir.ts";
import { type FakeApi, fakeApi, RUN_ID, resultRow, runView } from "./test-support/fake-api.ts";
import { runCli } from "./test-support/run-cli.ts";

const SECRET = `whsec_${Buffer.from("a test secret of 32 bytes length").toString("base64")}`;

describe("zixly submit", () => {
  let api: FakeApi;
  let request: string;
  beforeAll(async () => {
    request = join(tempDir("zixly-submit-"), "request.json");
    await writeFile(request, JSON.stringify({ strategy: "sma-crossover" }));
  });
  beforeEach(() => vi.stubEnv("ZIXLY_TOKEN", ""));
  afterEach(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  /** A webhook that accepts, then a run that is running once and then ends as `last`. */
  async function pipeline(last: Record<string, unknown>) {
    let polls = 0;
    api = await fakeApi((r) => {
      if (r.method === "POST") {
        return { status: 202, json: { runId: RUN_ID, statusUrl: `${api.url}/runs/${RUN_ID}` } };
      }
      if (r.path.endsWith("/results")) {
        return {
          json: {
            runId: RUN_ID,
            status: last.status,
            total: 1,
            sort: "sharpeRatio",
            order: "desc",
            limit: 5,
            offset: 0,
            results: [resultRow(3, 10, 1.5)],
          },
        };
      }
      return {
        json: polls++ === 0 ? runView({ status: "running", finishedAt: null, best: null }) : last,
      };
    });
  }

  it("follows the run with the token and prints its best rows, exit 0", async () => {
    await pipeline(runView());
    vi.stubEnv("ZIXLY_TOKEN", "env-token");
    const url = `${api.url}/webhooks/backtest`;
    const argv = ["submit", "--url", url, "--secret", SECRET, "--request", request];
    const { code, stdout, stderr } = await runCli(argv);
    expect({ code, stderr }).toEqual({ code: 0, stderr: `run ${RUN_ID} accepted\n` });
    expect(stdout.split("\n")[0].trim().split(/\s+/).slice(0, 4)).toEqual([
      "#",
      "fast",
      "slow",
      "equityFinal",
    ]);
    expect(stdout.split("\n")[2].trim().split(/\s+/).slice(0, 3)).toEqual(["3", "10", "20"]);
    const [post, ...gets] = api.requests;
    expect(post).toMatchObject({ method: "POST", path: "/webhooks/backtest" });
    expect(gets.map((g) => g.path)).toEqual([
      `/runs/${RUN_ID}`,
      `/runs/${RUN_ID}`,
      `/runs/${RUN_ID}/results`,
    ]);
    expect(gets.every((g) => g.authorization === "Bearer env-token")).toBe(true);
  });

  it("waits while the API does not know the accepted run yet (dispatch records it later)", async () => {
    // Regression: under compose the first poll could come before dispatch-backtest recorded
    // the run, and submit stopped with "no run" although the webhook had answered 202.
    let polls = 0;
    api = await fakeApi((r) => {
      if (r.method === "POST") {
        return { status: 202, json: { runId: RUN_ID, statusUrl: `${api.url}/runs/${RUN_ID}` } };
      }
      if (r.path.endsWith("/results")) {
        return {
          json: {
            runId: RUN_ID,
            status: "succeeded",
            total: 1,
            sort: "sharpeRatio",
            order: "desc",
            limit: 5,
            offset: 0,
            results: [resultRow(3, 10, 1.5)],
          },
        };
      }
      if (polls++ < 2)
        return { status: 404, json: { error: { code: "not_found", message: "no run" } } };
      return { json: runView() };
    });
    const argv = ["submit", "--url", `${api.url}/w`, "--secret", SECRET, "--request", request];
    const { code, stderr } = await runCli(argv);
    expect({ code, stderr }).toEqual({ code: 0, stderr: `run ${RUN_ID} accepted\n` });
    expect(polls).toBe(3);
  });

  it("reports a run the API never records once --timeout has passed", async () => {
    api = await fakeApi((r) =>
      r.method === "POST"
        ? { status: 202, json: { runId: RUN_ID, statusUrl: `${api.url}/runs/${RUN_ID}` } }
        : { status: 404, json: { error: { code: "not_found", message: "no run" } } },
    );
    const argv = ["--secret", SECRET, "--request", request, "--timeout", "1"];
    const { code, stderr } = await runCli(["submit", "--url", `${api.url}/w`, ...argv]);
    expect(code).toBe(2);
    expect(stderr).toBe(`run ${RUN_ID} accepted\nerror: no run ${RUN_ID}\n`);
  });

  it("a run that fails exits 1 and says why", async () => {
    await pipeline(runView({ status: "failed", best: null, error: "out of memory" }));
    const argv = ["--secret", SECRET, "--request", request];
    const { code, stdout } = await runCli(["submit", "--url", `${api.url}/w`, ...argv]);
    expect(code).toBe(1);
    expect(stdout).toBe(`run ${RUN_ID} failed: out of memory\n`);
  });
});
