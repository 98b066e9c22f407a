// `zixly runs` against a fake API: the table, the query it sends, JSON, paging and refusals.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  apiError,
  type FakeApi,
  fakeApi,
  OTHER_RUN_ID,
  RUN_ID,
  runView,
} from "./test-support/fake-api.ts";
import { runCli } from "./test-support/run-cli.ts";

const RUNNING = runView({
  runId: OTHER_RUN_ID,
  status: "running",
  best: null,
  combinations: 1000,
  progress: { done: 250, total: 1000 },
  finishedAt: null,
});
const page = (runs: unknown[], total = runs.length, offset = 0) => ({
  json: { runs, total, limit: 50, offset },
});

describe("zixly runs", () => {
  let api: FakeApi;
  beforeEach(() => {
    // Whatever the developer's shell exports must not reach these tests.
    vi.stubEnv("ZIXLY_URL", "");
    vi.stubEnv("ZIXLY_TOKEN", "");
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  it("prints a table with status, progress, created time and duration", async () => {
    api = await fakeApi(() => page([runView(), RUNNING]));
    const { code, stdout, stderr } = await runCli(["runs", "--url", api.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0].split(/\s{2,}/)).toEqual([
      "runId",
      "status",
      "strategy",
      "combinations",
      "progress",
      "created",
      "duration",
    ]);
    expect(lines[1]).toMatch(/^-+( {2}-+){6}$/);
    expect(lines[2].split(/\s{2,}/)).toEqual([
      RUN_ID,
      "succeeded",
      "sma-crossover",
      "6",
      "100.0%",
      "2024-05-01 10:00:00",
      "1m05s",
    ]);
    expect(lines[3]).toContain(`${OTHER_RUN_ID}  running`);
    expect(lines[3]).toContain("25.0%");
    expect(lines).toHaveLength(4);
    expect(api.requests[0]).toMatchObject({
      method: "GET",
      path: "/runs",
      authorization: undefined,
    });
  });

  it("sends --status, --limit, --offset and the bearer token", async () => {
    api = await fakeApi(() => page([RUNNING]));
    const argv = ["runs", "--url", `${api.url}/`, "--token", "s3cret", "--status", "running"];
    const { code } = await runCli([...argv, "--limit", "5", "--offset", "10"]);
    expect(code).toBe(0);
    const [request] = api.requests;
    expect(request.path).toBe("/runs");
    expect(Object.fromEntries(request.query)).toEqual({
      status: "running",
      limit: "5",
      offset: "10",
    });
    expect(request.authorization).toBe("Bearer s3cret");
  });

  it("takes the URL and token from ZIXLY_URL and ZIXLY_TOKEN, and a flag wins", async () => {
    api = await fakeApi(() => page([]));
    vi.stubEnv("ZIXLY_URL", api.url);
    vi.stubEnv("ZIXLY_TOKEN", "from-env");
    expect((await runCli(["runs"])).code).toBe(0);
    expect((await runCli(["runs", "--token", "from-flag"])).code).toBe(0);
    expect(api.requests.map((r) => r.authorization)).toEqual([
      "Bearer from-env",
      "Bearer from-flag",
    ]);
  });

  it("--json prints the API's page as it came", async () => {
    const body = page([runView(), RUNNING]).json;
    api = await fakeApi(() => ({ json: body }));
    const { code, stdout, stderr } = await runCli(["runs", "--url", api.url, "--json"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.endsWith("}\n") && stdout.indexOf("\n") === stdout.length - 1).toBe(true);
    expect(JSON.parse(stdout)).toEqual(body);
  });

  it("says on stderr where the next page starts when there are more runs", async () => {
    api = await fakeApi(() => page([runView(), RUNNING], 7, 2));
    const { code, stderr } = await runCli(["runs", "--url", api.url]);
    expect(code).toBe(0);
    expect(stderr).toBe("runs 3-4 of 7; --offset 4 for more\n");
  });

  it("an empty page prints the header only", async () => {
    api = await fakeApi(() => page([]));
    const { code, stdout } = await runCli(["runs", "--url", api.url]);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("a status the API refuses exits 2 with its message, naming --status", async () => {
    api = await fakeApi(() =>
      apiError(400, "invalid_request", "invalid query: query.status: Invalid option"),
    );
    const { code, stdout, stderr } = await runCli(["runs", "--url", api.url, "--status", "x"]);
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: invalid query: --status: Invalid option\n",
    });
  });

  it.each([
    [["--limit", "0"], /^error: --limit: "0" is not a whole number of at least 1$/],
    [["--offset", "-1"], /^error: --offset: missing value/],
    [["--offset", "1.5"], /^error: --offset: "1\.5" is not a whole number of at least 0$/],
    [["extra"], /^error: runs: unexpected argument "extra"/],
  ])("%j exits 2 before asking the API", async (flags, message) => {
    api = await fakeApi(() => page([]));
    const { code, stdout, stderr } = await runCli(["runs", "--url", api.url, ...flags]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr.trimEnd()).toMatch(message);
    expect(api.requests).toEqual([]);
  });
});
