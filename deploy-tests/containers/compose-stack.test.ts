// The compose stack end to end: up on the air-gapped bases, each example's signed webhook to a
// succeeded run with every combination stored once, recovery after Postgres and Redis restart or
// crash, and each container stopping on SIGTERM.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comboAt, planSweep } from "../../backtest-job/engine/grid.ts";
import { resolveStrategy } from "../../backtest-job/engine/strategies/index.ts";
import { freePort } from "../../test-support/free-port.ts";
import { signedHeaders } from "../../test-support/signed-webhook.ts";
import { repoPath } from "../render.ts";
import {
  ComposeProject,
  composeEnv,
  containerState,
  DEFAULT_SERVICES,
  graceSeconds,
} from "./compose-project.ts";
import { docker, figure, publishedPort, skipReason, uniqueName } from "./docker.ts";

const skip = skipReason("compose stack end to end");
const ENV = composeEnv();
const EXAMPLES = readdirSync(repoPath("examples")).filter((f) => f.endsWith(".json"));
const RUN_ID = /^run_[a-z2-7]{26}$/;
/** The figure for a container's stop on SIGTERM; printed beside each time, not asserted. */
const STOP_TARGET_SECONDS = 2;

let project: ComposeProject;
let webhookUrl: string;
let apiUrl: string;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface RunView {
  runId: string;
  status: string;
  combinations: number;
  error: string | null;
}

/** Posts `raw` to /webhooks/backtest signed with the dev secret, as the README shows. */
async function sendWebhook(
  raw: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(webhookUrl, {
    method: "POST",
    headers: signedHeaders(ENV.WEBHOOK_SECRET, raw),
    body: raw,
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

/** GET on the api with the dev bearer token. */
async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${apiUrl}${path}`, {
    headers: { authorization: `Bearer ${ENV.API_TOKEN}` },
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

/** Polls the run until it ends; throws on any end but succeeded, or after `timeoutMs`. */
async function untilSucceeded(runId: string, timeoutMs: number): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  let last = "not recorded yet";
  while (Date.now() < deadline) {
    // 404 until dispatch-backtest has recorded the run; a failed fetch while the api restarts.
    const got = await api<RunView>(`/runs/${runId}`).catch((e: unknown) => ({
      status: 0,
      body: { status: String(e) } as RunView,
    }));
    if (got.status === 200) {
      last = got.body.status;
      if (got.body.status === "succeeded") return got.body;
      if (["failed", "cancelled", "rejected"].includes(got.body.status)) {
        throw new Error(`${runId} ended ${got.body.status}: ${got.body.error}`);
      }
    } else {
      last = `${got.status} ${got.body.status ?? ""}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `${runId} did not succeed within ${seconds(timeoutMs)} (last: ${last})\n${await project.report()}`,
  );
}

/**
 * Every combination of the request's grid is stored once: through the api (all pages, each
 * row's params the grid's combination at its index) and counted in Postgres itself.
 */
async function expectEveryCombinationOnce(runId: string, raw: string, run: RunView): Promise<void> {
  // An example's strategy is a built-in's name or a definition (examples/rules-sweep.json).
  const request = JSON.parse(raw) as { strategy: string | object; params: unknown };
  const plan = planSweep(resolveStrategy(request.strategy), request.params);
  expect(run.combinations).toBe(plan.count);

  const seen = new Set<number>();
  for (let offset = 0; ; offset += 1000) {
    const page = await api<{ total: number; results: { comboIndex: number; params: unknown }[] }>(
      `/runs/${runId}/results?limit=1000&offset=${offset}`,
    );
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(plan.count);
    for (const row of page.body.results) {
      expect(seen.has(row.comboIndex), `combination ${row.comboIndex} twice`).toBe(false);
      seen.add(row.comboIndex);
      expect(row.params, `combination ${row.comboIndex}`).toEqual(comboAt(plan, row.comboIndex));
    }
    if (page.body.results.length < 1000) break;
  }
  expect(seen.size).toBe(plan.count);

  expect(runId).toMatch(RUN_ID); // safe to put in SQL as it is
  const counted = await project.psql(
    `select count(*), count(distinct combo_index), count(distinct params), min(combo_index), max(combo_index) from results where run_id = '${runId}'`,
  );
  expect(counted).toBe(`${plan.count}|${plan.count}|${plan.count}|0|${plan.count - 1}`);
  const stored = await project.psql(
    `select status, combinations, rows_recorded from runs where run_id = '${runId}'`,
  );
  expect(stored).toBe(`succeeded|${plan.count}|${plan.count}`);
}

/** Sends `file` from examples/ and waits for its run to succeed; returns the run id and latency. */
async function runExample(
  file: string,
  timeoutMs: number,
): Promise<{ runId: string; ms: number; combinations: number }> {
  const raw = readFileSync(repoPath(`examples/${file}`), "utf8");
  const started = performance.now();
  const accepted = await sendWebhook(raw);
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  const runId = String(accepted.body.runId);
  expect(runId).toMatch(RUN_ID);
  expect(String(accepted.body.statusUrl)).toMatch(new RegExp(`/runs/${runId}$`));
  const run = await untilSucceeded(runId, timeoutMs);
  const ms = performance.now() - started;
  await expectEveryCombinationOnce(runId, raw, run);
  return { runId, ms, combinations: run.combinations };
}

describe.skipIf(skip)("the compose stack (docker-compose v1, air-gapped bases)", () => {
  beforeAll(async () => {
    const [webhookPort, apiPort] = [await freePort(), await freePort()];
    webhookUrl = `http://127.0.0.1:${webhookPort}/webhooks/backtest`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    project = new ComposeProject(uniqueName("zixly-ct-compose"), {
      ZIXLY_WEBHOOK_PORT: String(webhookPort),
      ZIXLY_API_PORT: String(apiPort),
    });
    // No --build: the global setup tagged both images with the names the file gives them.
    const started = performance.now();
    await project.must(["up", "-d", "--no-build"]);
    await project.waitReady(DEFAULT_SERVICES, 300_000);
    figure(
      `compose up to all ${DEFAULT_SERVICES.length} services ready: ${seconds(performance.now() - started)}`,
    );
  });

  afterAll(async () => {
    if (!project) return;
    const down = await project.down();
    if (down.code !== 0) process.stderr.write(`${project.name}: down failed: ${down.stderr}\n`);
  });

  it("publishes only the webhook and api ports, on 127.0.0.1, where ZIXLY_*_PORT asked", async () => {
    const ids = await project.containers();
    for (const service of DEFAULT_SERVICES) {
      const id = ids.get(service) ?? "";
      const ports = await docker(["inspect", "--format", "{{json .HostConfig.PortBindings}}", id]);
      const bindings = Object.values(JSON.parse(ports) ?? {}).flat() as { HostIp: string }[];
      const expected = service === "ingest-webhook" || service === "api" ? ["127.0.0.1"] : [];
      expect(
        bindings.map((b) => b.HostIp),
        service,
      ).toEqual(expected);
    }
    expect(await publishedPort(ids.get("ingest-webhook") ?? "", 8080)).toBe(
      Number(new URL(webhookUrl).port),
    );
    expect(await publishedPort(ids.get("api") ?? "", 8080)).toBe(Number(new URL(apiUrl).port));
  });

  it.each(EXAMPLES)(
    "takes examples/%s as a signed webhook to a succeeded run, every row once",
    async (file) => {
      const { ms, combinations } = await runExample(file, 240_000);
      figure(`${file} (${combinations} combinations): webhook to succeeded ${seconds(ms)}`);
    },
  );

  it("recovers from a restart of Postgres and Redis: the next webhook succeeds", async () => {
    const started = performance.now();
    await project.must(["restart", "postgres", "redis"]);
    await project.waitReady(["postgres", "redis"], 180_000);
    figure(`restart postgres redis: both healthy again in ${seconds(performance.now() - started)}`);
    await project.waitReady(DEFAULT_SERVICES, 180_000);
    const { ms } = await runExample(EXAMPLES[0], 240_000);
    figure(`after the restart, ${EXAMPLES[0]}: webhook to succeeded ${seconds(ms)}`);
  });

  it("keeps the 202 it gives while Postgres is killed: the run succeeds once Postgres is back", async () => {
    const postgres = await project.container("postgres");
    await docker(["kill", postgres]);
    const raw = readFileSync(repoPath(`examples/${EXAMPLES.at(-1)}`), "utf8");
    const started = performance.now();
    let runId: string;
    try {
      expect((await containerState(postgres)).status).not.toBe("running");
      // The broker spools what it accepts while the database is down (README, Durability).
      const accepted = await sendWebhook(raw);
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
      runId = String(accepted.body.runId);
      // Down for a while after the 202: the broker's first deliveries meet no database.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    } finally {
      await docker(["start", postgres]);
    }
    await project.waitReady(["postgres"], 120_000);
    const run = await untilSucceeded(runId, 420_000);
    figure(
      `accepted during a Postgres crash: webhook to succeeded ${seconds(performance.now() - started)}`,
    );
    await expectEveryCombinationOnce(runId, raw, run);
    await project.waitReady(DEFAULT_SERVICES, 180_000);
  }, 600_000);

  it("stops every container on SIGTERM before its grace period ends (no SIGKILL, no 137)", async () => {
    const ids = await project.containers();
    const killed: string[] = [];
    // Dependents first, as compose stops them.
    for (const service of [...DEFAULT_SERVICES].reverse()) {
      const id = ids.get(service) ?? "";
      const grace = graceSeconds(service);
      const started = performance.now();
      await docker(["stop", "-t", String(grace), id], { timeoutMs: (grace + 30) * 1000 });
      const ms = performance.now() - started;
      const state = await containerState(id);
      figure(
        `stop ${service}: ${seconds(ms)}, exit ${state.exitCode} (grace ${grace} s, target ${STOP_TARGET_SECONDS} s)`,
      );
      if (state.exitCode === 137 || state.oomKilled) killed.push(`${service} (${state.exitCode})`);
    }
    expect(killed, "killed instead of stopping").toEqual([]);
  }, 300_000);
});
