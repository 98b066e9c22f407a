// npm start's SIGTERM: stop taking requests, let the running Job finish and record, then exit.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PostgresRunStore } from "../platform/postgres/postgres-run-store.ts";
import { postSigned } from "./test-support/client.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("npm start on SIGTERM", () => {
  it("drains: a run accepted just before SIGTERM still finishes and is recorded, then it exits 0", async () => {
    const dataHome = mkdtempSync(join(tmpdir(), "zixly-shutdown-"));
    const child = spawn(process.execPath, ["--import", "tsx", "stack/main.ts"], {
      cwd: REPO,
      env: {
        ...process.env,
        PORT: "0",
        DATA_HOME: dataHome,
        WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: "silent",
        DATABASE_URL: "",
        REDIS_URL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /POST (http:\/\/localhost:\d+)\/webhooks\/backtest/.exec(stdout)?.[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, "the banner shows the webhook URL").toBeDefined();
    // A sweep big enough that its Job is still running when SIGTERM arrives.
    const accepted = await postSigned(url!, SECRET, {
      strategy: "sma-crossover",
      params: { fast: { from: 2, to: 30, step: 1 }, slow: { from: 31, to: 120, step: 1 } },
      data: { synthetic: { bars: 20_000, seed: 5 } },
    });
    expect(accepted.status).toBe(202);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);

    const store = await PostgresRunStore.open({ pgliteDir: join(dataHome, "pglite") });
    try {
      const run = await store.getRun(String(accepted.json.runId));
      expect([run?.status, run?.error]).toEqual(["succeeded", null]);
      expect(run?.rowsRecorded).toBe(run?.combinations);
    } finally {
      await store.close();
    }
  }, 90_000);
});
