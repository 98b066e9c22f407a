// `zixly watch ID` against a fake API whose run moves on with each poll.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type FakeAnswer,
  type FakeApi,
  fakeApi,
  RUN_ID,
  runView,
} from "./test-support/fake-api.ts";
import { runCli } from "./test-support/run-cli.ts";

const QUEUED = runView({
  status: "queued",
  best: null,
  progress: { done: 0, total: 6 },
  startedAt: null,
  finishedAt: null,
});
const running = (done: number) =>
  runView({ status: "running", best: null, progress: { done, total: 6 }, finishedAt: null });
const SUCCEEDED = runView();
const FAILED = runView({
  status: "failed",
  best: null,
  progress: { done: 3, total: 6 },
  error: "shard 1 exited with code 137",
  errorCode: "job_failed",
});

/** Answers each poll with the next run of `states`, then keeps answering the last. */
function sequence(states: Record<string, unknown>[]): (request: unknown) => FakeAnswer {
  let poll = 0;
  return () => ({ json: states[Math.min(poll++, states.length - 1)] });
}

describe("zixly watch", () => {
  let api: FakeApi;
  const watch = (...flags: string[]) => [
    "watch",
    RUN_ID,
    "--url",
    api.url,
    "--interval",
    "5",
    ...flags,
  ];
  beforeEach(() => {
    vi.stubEnv("ZIXLY_URL", "");
    vi.stubEnv("ZIXLY_TOKEN", "");
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  it("follows queued -> running -> succeeded with a line per status change, exit 0", async () => {
    api = await fakeApi(sequence([QUEUED, QUEUED, running(2), running(4), SUCCEEDED]));
    const { code, stdout, stderr } = await runCli(watch("--token", "t"));
    expect(code).toBe(0);
    expect(stderr).toBe(
      [`${RUN_ID} queued 0/6 0.0%`, `${RUN_ID} running 2/6 33.3%`, `${RUN_ID} succeeded 6/6 100.0%`]
        .map((l) => `${l}\n`)
        .join(""),
    );
    expect(stdout).toMatch(/^status {2,}succeeded$/m);
    expect(stdout).toMatch(/^best {2,}#3 fast=10 slow=20$/m);
    expect(api.requests).toHaveLength(5);
    expect(api.requests.every((r) => r.path === `/runs/${RUN_ID}`)).toBe(true);
    expect(api.requests.every((r) => r.authorization === "Bearer t")).toBe(true);
  });

  it("draws a progress bar on a terminal and erases it before the result", async () => {
    api = await fakeApi(sequence([QUEUED, running(3), SUCCEEDED]));
    const { code, stderr } = await runCli(watch(), true);
    expect(code).toBe(0);
    expect(stderr).toContain("[###############---------------]  3/6  50.0%");
    expect(stderr).not.toContain("queued");
    expect(stderr.endsWith("\r\x1b[K")).toBe(true);
  });

  it("--json prints the final run view", async () => {
    api = await fakeApi(sequence([running(1), SUCCEEDED]));
    const { code, stdout } = await runCli(watch("--json"));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(SUCCEEDED);
  });

  it("a run that fails exits 1 with its error as the last stderr line", async () => {
    api = await fakeApi(sequence([running(1), running(3), FAILED]));
    const { code, stdout, stderr } = await runCli(watch());
    expect(code).toBe(1);
    expect(stdout).toMatch(/^error {2,}\[job_failed\] shard 1 exited with code 137$/m);
    expect(stderr.trimEnd().split("\n")).toEqual([
      `${RUN_ID} running 1/6 16.7%`,
      `${RUN_ID} failed 3/6 50.0%`,
      `error: run ${RUN_ID} failed: shard 1 exited with code 137`,
    ]);
  });

  it.each(["cancelled", "rejected"])("a %s run exits 1", async (status) => {
    api = await fakeApi(sequence([runView({ status, best: null, error: `it was ${status}` })]));
    const { code, stderr } = await runCli(watch("--json"));
    expect(code).toBe(1);
    expect(stderr).toContain(`error: run ${RUN_ID} ${status}: it was ${status}\n`);
  });

  it("--timeout gives up on a run that stays running: exit 2 naming the flag", async () => {
    api = await fakeApi(sequence([running(1)]));
    const { code, stdout, stderr } = await runCli(watch("--interval", "200", "--timeout", "1"));
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr.trimEnd().split("\n").at(-1)).toBe(
      `error: --timeout: run ${RUN_ID} still running after 1 s`,
    );
    // Polled about every 200 ms for a second; the last poll lands on the deadline.
    expect(api.requests.length).toBeGreaterThanOrEqual(4);
    expect(api.requests.length).toBeLessThanOrEqual(8);
  });

  it("an unknown run exits 2 naming it", async () => {
    api = await fakeApi(() => ({
      status: 404,
      json: { error: { code: "not_found", message: "" } },
    }));
    const { code, stderr } = await runCli(watch());
    expect({ code, stderr }).toEqual({ code: 2, stderr: `error: no run ${RUN_ID}\n` });
  });

  it.each([
    [["--interval", "0"], /^error: --interval: "0" is not a whole number of at least 1$/],
    [["--timeout", "soon"], /^error: --timeout: "soon" is not a whole number/],
  ])("%j exits 2", async (flags, message) => {
    const { code, stderr } = await runCli(["watch", RUN_ID, ...flags]);
    expect(code).toBe(2);
    expect(stderr.trimEnd()).toMatch(message);
  });

  it("needs the run ID", async () => {
    const { code, stderr } = await runCli(["watch"]);
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: "error: watch: missing run ID; usage: zixly watch ID\n",
    });
  });
});
