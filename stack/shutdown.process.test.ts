// npm start's SIGTERM: stop taking requests, give running shards a grace period, exit 0, and
// leave what did not finish for the next start to resume, so every accepted run still ends.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.ts";
import { postSigned, waitForRun } from "./test-support/client.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts `npm start`'s entry point on DATA_HOME and resolves with its URL, its exit and its log. */
async function start(dataHome: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "stack/main.ts"], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: "0",
      DATA_HOME: dataHome,
      WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: "info",
      SHUTDOWN_GRACE_SECONDS: "1",
      DATABASE_URL: "",
      REDIS_URL: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline && child.exitCode === null) {
    url = /POST (http:\/\/localhost:\d+)\/webhooks\/backtest/.exec(stdout)?.[1];
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) throw new Error(`the stack did not start: ${stderr.slice(-2000)}`);
  return { child, url, exited, log: () => stderr };
}

describe("npm start on SIGTERM", () => {
  it("exits 0 after the grace period and the next start finishes the run it cut off", async () => {
    const dataHome = tempDir("zixly-shutdown-");
    const first = await start(dataHome);
    // A sweep whose shards run for longer than the 1 s grace period.
    const accepted = await postSigned(first.url, SECRET, {
      strategy: "sma-crossover",
      params: { fast: { from: 2, to: 30, step: 1 }, slow: { from: 31, to: 120, step: 1 } },
      data: { synthetic: { bars: 20_000, seed: 5 } },
      shards: 2,
    });
    expect(accepted.status).toBe(202);
    const runId = String(accepted.json.runId);
    // Wait until its shards are running, then stop.
    for (let i = 0; i < 200 && !/"shard started"/.test(first.log()); i++)
      await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    // Grace 1 s, then the kill grace and the broker's close: well under Kubernetes' 30 s.
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(first.log()).toMatch(/shutdown left runs unfinished; the next start resumes them/);
    expect(first.log()).toContain(runId);

    const second = await start(dataHome);
    try {
      const run = await waitForRun(second.url, runId, 90_000);
      expect([run.status, run.error]).toEqual(["succeeded", null]);
      expect(run.progress).toEqual({ done: run.combinations, total: run.combinations });
      expect(second.log()).toMatch(/"run resumed"/);
    } finally {
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    }
  }, 180_000);
});
