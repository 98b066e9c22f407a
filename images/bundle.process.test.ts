// The functions image's bundle run as its container runs it: every FUNCTION_TARGET loads, serves /healthz first and /readyz once loaded, and stops on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../test-support/free-port.ts";
import { tempDir } from "../test-support/temp-dir.ts";
import { bundleImage } from "./bundle.ts";

const TARGETS = [
  "ingest-webhook",
  "api",
  "watch-jobs",
  "notify",
  "dispatch-backtest",
  "record-result",
  "dead-letters",
];

let app = "";
const children: ChildProcess[] = [];
beforeAll(async () => {
  app = tempDir("zixly-bundle-serve-");
  await bundleImage("functions", app);
}, 120_000);
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

async function answer(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: await response.json() };
  } catch {
    return undefined;
  }
}

describe.each(TARGETS)("dist/functions/serve.js with FUNCTION_TARGET=%s", (target) => {
  it("answers /healthz, then its readiness report on /readyz once loaded, says serving, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    // Nothing listens at the database or the broker: the function must load and say so anyway.
    const nothing = await freePort();
    const child = spawn(process.execPath, [join("dist", "functions", "serve.js")], {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? "",
        FUNCTION_TARGET: target,
        PORT: String(port),
        METRICS_PORT: "0",
        DATA_HOME: tempDir("zixly-bundle-serve-data-"),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${nothing}/test`,
        K_SINK: `http://127.0.0.1:${nothing}/`,
        WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        LOG_LEVEL: "info",
        NODE_ENV: "production",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const base = `http://127.0.0.1:${port}`;

    const deadline = Date.now() + 30_000;
    let health = await answer(`${base}/healthz`);
    while (health?.status !== 200 && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      health = await answer(`${base}/healthz`);
    }
    expect(health, stderr).toEqual({ status: 200, body: { status: "ok" } });
    // Held until the function is loaded, then its own checks: all down here, so 503.
    const ready = (await answer(`${base}/readyz`)) ?? expect.unreachable(`no /readyz: ${stderr}`);
    expect(ready.status, stderr).toBe(503);
    expect(ready.body).toMatchObject({ status: "unready", checks: expect.any(Object) });
    const checks = Object.values((ready.body as { checks: Record<string, string> }).checks);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks).toContain("down");
    // Written before that answer, though the pipe may bring it a moment later.
    while (!stderr.includes('"message":"serving"') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(stderr).toContain('"message":"serving"');
    expect(stderr).not.toMatch(/\n\s+at /);

    child.kill("SIGTERM");
    expect(await exited, stderr).toBe(0);
  }, 60_000);
});
