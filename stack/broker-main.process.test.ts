// stack/broker-main.ts, compose's broker, as a process: it will not start without BROKER_TOKEN, refuses events without it, and delivers with it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent, toBinaryHttp } from "../events/index.ts";
import { tempDir } from "../test-support/temp-dir.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const DATABASE_URL = process.env.DATABASE_URL;
const TOKEN = randomBytes(32).toString("base64url");

if (!DATABASE_URL) console.warn("skipping the running broker's cases: DATABASE_URL is unset");

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts broker-main with `env` over a minimal environment; resolves its exit and its logs. */
function broker(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "stack/broker-main.ts"], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

const event = () =>
  createEvent(
    "com.zixly.backtest.shard.failed.v1",
    {
      runId: `run_${"f".repeat(26)}`,
      shard: { index: 0, count: 1 },
      code: "crashed",
      reason: "forged",
    },
    { id: `forged-${randomBytes(4).toString("hex")}`, source: "/zixly/backtest-job" },
  );

describe("stack/broker-main.ts", () => {
  it("exits 2 at start without BROKER_TOKEN, naming it, and never listens", async () => {
    const { exited, stderr } = broker({
      DATABASE_URL: "postgres://nobody@127.0.0.1:9/none",
      DATA_HOME: tempDir("broker-main-"),
    });
    expect(await exited).toBe(2);
    expect(stderr()).toMatch(/error: BROKER_TOKEN must be set/);
    expect(stderr()).not.toMatch(/broker listening/);
  }, 60_000);

  it("exits 2 with a BROKER_TOKEN under 32 characters", async () => {
    const { exited, stderr } = broker({
      DATABASE_URL: "postgres://nobody@127.0.0.1:9/none",
      BROKER_TOKEN: "too-short",
      DATA_HOME: tempDir("broker-main-"),
    });
    expect(await exited).toBe(2);
    expect(stderr()).toMatch(/BROKER_TOKEN/);
    expect(stderr()).not.toContain("too-short");
  }, 60_000);

  describe.skipIf(!DATABASE_URL)("running, with a database of its own", () => {
    const database = `broker_main_${randomBytes(4).toString("hex")}`;
    let url = "";
    let stop: () => void = () => undefined;
    /** What the subscribers were sent: path and Authorization of each delivery. */
    const deliveries: { path: string; authorization: string | undefined }[] = [];
    // record-result refuses with 400 (no retry, so straight to the dead-letter sink), which takes it.
    const subscribers: Server = createServer((req, res) => {
      deliveries.push({ path: req.url ?? "", authorization: req.headers.authorization });
      req.resume();
      res.writeHead(req.url === "/record-result" ? 400 : 202).end();
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => subscribers.listen(0, "127.0.0.1", resolve));
      const subscriberPort = (subscribers.address() as AddressInfo).port;
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`create database ${database}`);
      } finally {
        await admin.end();
      }
      const target = new URL(DATABASE_URL!);
      target.pathname = `/${database}`;
      const running = broker({
        DATABASE_URL: target.href,
        BROKER_TOKEN: TOKEN,
        DATA_HOME: tempDir("broker-main-"),
        SUBSCRIBER_URL_TEMPLATE: `http://127.0.0.1:${subscriberPort}/{name}`,
      });
      stop = () => running.child.kill("SIGKILL");
      const deadline = Date.now() + 60_000;
      let port: string | undefined;
      while (!port && Date.now() < deadline && running.child.exitCode === null) {
        port = /"message":"broker listening".*?"port":(\d+)/.exec(running.stderr())?.[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!port) throw new Error(`the broker did not start: ${running.stderr().slice(-2000)}`);
      url = `http://127.0.0.1:${port}`;
    }, 90_000);
    afterAll(async () => {
      stop();
      subscribers.closeAllConnections();
      subscribers.close();
      await new Promise((r) => setTimeout(r, 200));
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`drop database if exists ${database} with (force)`);
      } finally {
        await admin.end();
      }
    });

    const post = (authorization?: string) => {
      const { headers, body } = toBinaryHttp(event());
      return fetch(`${url}/broker/default`, {
        method: "POST",
        headers: authorization ? { ...headers, authorization } : headers,
        body,
      });
    };

    it("answers 401 to an event without the token or with another, and 202 with it", async () => {
      const none = await post();
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe("Bearer");
      expect((await post(`Bearer ${randomBytes(32).toString("base64url")}`)).status).toBe(401);
      expect((await post(`Bearer ${TOKEN}`)).status).toBe(202);
      const stats = (await (await fetch(`${url}/healthz`)).json()) as { accepted: number };
      expect(stats.accepted).toBe(1);
    });

    it("answers its healthcheck without the token", async () => {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    });

    it("delivers with the token, to the Trigger's subscriber and to the dead-letter sink", async () => {
      expect((await post(`Bearer ${TOKEN}`)).status).toBe(202);
      const deadline = Date.now() + 20_000;
      const paths = () => new Set(deliveries.map((d) => d.path));
      while (!(paths().has("/record-result") && paths().has("/dead-letters"))) {
        if (Date.now() > deadline) throw new Error(`deliveries: ${JSON.stringify(deliveries)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const d of deliveries) expect(d.authorization, d.path).toBe(`Bearer ${TOKEN}`);
    }, 30_000);
  });
});
