// Ingest benchmark: the signed-webhook path against functions-framework and node:http hello worlds.
// Usage: npm run -s bench:ingest -- [--json] [--duration SECONDS] [--connections N]
//          [--warmup SECONDS] [--layout child|inline] [--cpu-prof DIR]
//
// Layout: each server runs in a child process and autocannon in this one (--layout child, the
// default), so on this 2-core machine the server has a core to itself. Measured both ways
// (50 connections, 5 s, 3 runs each): in one process, autocannon's own per-request work runs
// on the server's thread and is charged to it, unevenly: the webhook client rebuilds every
// request (a new webhook-id), the GET targets send one prebuilt request. It cut the webhook
// path to 2,300-2,900 req/s against 2,700-3,700 in children, ratio 0.31-0.36 against
// 0.35-0.46, and halved bare node:http (35-39k against 55-85k req/s). With children, the
// webhook and ff hello-world servers saturate their core while the client does not; bare
// node:http may be bound by the single-threaded client, so its figure is a lower bound.
// Each target gets a warm-up (default 1 s, not counted) so that all three are JIT-compiled.
import { fork } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startTarget, TARGETS, type TargetName } from "./ingest-targets.ts";
import { newWebhookSecret, SignedWebhooks } from "./signed-webhooks.ts";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    warmup: { type: "string", default: "1" },
    layout: { type: "string", default: "child" },
    "cpu-prof": { type: "string" },
  },
});

function positive(flag: string, raw: string, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
    console.error(`--${flag} must be a ${allowZero ? "non-negative" : "positive"} number`);
    process.exit(2);
  }
  return n;
}
const duration = positive("duration", values.duration);
const connections = Math.round(positive("connections", values.connections));
const warmup = positive("warmup", values.warmup, true);
const layout = values.layout;
if (layout !== "child" && layout !== "inline") {
  console.error("--layout must be child or inline");
  process.exit(2);
}
const profileDir = values["cpu-prof"] ? resolve(values["cpu-prof"]) : undefined;
if (profileDir && layout !== "child") {
  console.error("--cpu-prof profiles the server processes: use it with --layout child");
  process.exit(2);
}
process.env.LOG_LEVEL = "silent";

/** A small valid sweep: 2 x 2 combinations on 300 synthetic bars. */
const BODY = JSON.stringify({
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: [20, 30] },
  data: { synthetic: { bars: 300, seed: 1 } },
});
/** Enough distinct deliveries for 10 s at 20,000 req/s; later ones are signed as they go. */
const PREGENERATED = 200_000;
/** The webhook path fails the run if more of its answers than this are not 202. */
const MAX_NON_202_SHARE = 0.001;

const secret = newWebhookSecret();
const webhooks = new SignedWebhooks(secret, BODY, PREGENERATED);

interface Served {
  readonly port: number;
  /** Stops the server; resolves with the events it published. */
  stop(): Promise<number>;
}

type ChildMessage = { kind: "ready"; port: number } | { kind: "stopped"; published: number };

async function serveInChild(name: TargetName): Promise<Served> {
  // One folder per target: tsx's loader thread writes a profile of its own next to the main one.
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, name)}`] : [];
  if (profileDir) mkdirSync(join(profileDir, name), { recursive: true });
  const child = fork(
    fileURLToPath(new URL("./ingest-target-process.ts", import.meta.url)),
    [name],
    {
      execArgv: ["--import", import.meta.resolve("tsx"), ...profile],
      env: { ...process.env, LOG_LEVEL: "silent", BENCH_WEBHOOK_SECRET: secret },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const next = () =>
    new Promise<ChildMessage>((ok, fail) => {
      const onExit = (code: number | null) => fail(new Error(`${name} server exited (${code})`));
      child.once("exit", onExit);
      child.once("message", (m) => {
        child.off("exit", onExit);
        ok(m as ChildMessage);
      });
    });
  const ready = await next();
  if (ready.kind !== "ready") throw new Error(`${name} server: unexpected ${ready.kind}`);
  return {
    port: ready.port,
    stop: async () => {
      const stopped = next();
      child.send("stop");
      const message = await stopped;
      await exited;
      return message.kind === "stopped" ? message.published : 0;
    },
  };
}

async function serveInline(name: TargetName): Promise<Served> {
  const target = await startTarget(name, secret);
  return {
    port: target.port,
    stop: async () => {
      const published = target.published();
      await target.close();
      return published;
    },
  };
}

function load(name: TargetName, port: number, seconds: number): Promise<autocannon.Result> {
  const base = { url: `http://127.0.0.1:${port}`, connections, duration: seconds };
  if (name !== "webhook") return autocannon(base);
  return autocannon({
    ...base,
    requests: [
      {
        method: "POST",
        path: "/webhooks/backtest",
        body: BODY,
        // Called once per request sent: every delivery gets the next webhook-id.
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, ...webhooks.next() } }),
      },
    ],
  });
}

const count202 = (r: autocannon.Result) => r.statusCodeStats?.["202"]?.count ?? 0;

interface Measured {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

interface TargetRun {
  readonly measured: Measured;
  readonly responses: number;
  /** 202 answers, warm-up included, and the events published meanwhile. */
  readonly accepted: number;
  readonly published: number;
  readonly statusCodes: Record<string, number>;
}

async function measure(name: TargetName): Promise<TargetRun> {
  const served = layout === "child" ? await serveInChild(name) : await serveInline(name);
  let accepted = 0;
  let published = 0;
  let result: autocannon.Result;
  try {
    if (warmup > 0) accepted += count202(await load(name, served.port, warmup));
    result = await load(name, served.port, duration);
    accepted += count202(result);
  } finally {
    published = await served.stop();
  }
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
  );
  return {
    measured: {
      requestsPerSecond: Number(result.requests.mean.toFixed(1)),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    },
    responses: result["1xx"] + result["2xx"] + result["3xx"] + result["4xx"] + result["5xx"],
    accepted,
    published,
    statusCodes,
  };
}

const runs = {} as Record<TargetName, TargetRun>;
for (const name of TARGETS) runs[name] = await measure(name);

const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
const webhook = runs.webhook;
const result = {
  webhook: webhook.measured,
  ffHello: runs.ffHello.measured,
  bareHttp: runs.bareHttp.measured,
  ratios: {
    webhookToFfHello: ratio(
      webhook.measured.requestsPerSecond,
      runs.ffHello.measured.requestsPerSecond,
    ),
    ffHelloToBareHttp: ratio(
      runs.ffHello.measured.requestsPerSecond,
      runs.bareHttp.measured.requestsPerSecond,
    ),
  },
  connections,
  durationSeconds: duration,
  detail: {
    layout,
    warmupSeconds: warmup,
    webhookStatusCodes: webhook.statusCodes,
    webhookAccepted: webhook.accepted,
    eventsPublished: webhook.published,
    signedLive: webhooks.stats().signedLive,
  },
};

// A failed run: connection errors anywhere, webhooks refused, or a 202 without its event
// (a replay short-circuit, which would flatter the webhook path).
const failures: string[] = [];
for (const name of TARGETS) {
  if (runs[name].measured.errors > 0)
    failures.push(`${name}: ${runs[name].measured.errors} errors`);
}
const non202 = webhook.responses - (webhook.statusCodes["202"] ?? 0);
if (non202 > webhook.responses * MAX_NON_202_SHARE) {
  failures.push(`webhook: ${non202} of ${webhook.responses} answers were not 202`);
}
if (webhook.published < webhook.accepted) {
  failures.push(`webhook: ${webhook.accepted} answers 202 but ${webhook.published} events`);
}

if (values.json) console.log(JSON.stringify(result));
else {
  const where = layout === "child" ? "each server in its own process" : "servers in this process";
  console.log(
    `${connections} connections x ${duration} s per target, ${where}, ${warmup} s warm-up:`,
  );
  console.log("                      req/s   p50 ms   p99 ms  non-2xx   errors");
  const row = (label: string, m: Measured) =>
    console.log(
      `  ${label.padEnd(16)}${m.requestsPerSecond.toFixed(0).padStart(9)}${String(m.p50Ms).padStart(9)}${String(m.p99Ms).padStart(9)}${String(m.non2xx).padStart(9)}${String(m.errors).padStart(9)}`,
    );
  row("webhook path", result.webhook);
  row("ff hello world", result.ffHello);
  row("bare node:http", result.bareHttp);
  const mark = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(
    `  webhook / ff hello   ${result.ratios.webhookToFfHello} (target >= 0.8: ${mark(result.ratios.webhookToFfHello >= 0.8)})`,
  );
  console.log(`  ff hello / bare http ${result.ratios.ffHelloToBareHttp}`);
  console.log(
    `  webhook p99          ${result.webhook.p99Ms} ms (target < 50 ms: ${mark(result.webhook.p99Ms < 50)})`,
  );
  console.log(
    `  webhook statuses ${JSON.stringify(webhook.statusCodes)}; ${webhook.published} events for ${webhook.accepted} accepted (warm-up included)`,
  );
}
if (failures.length > 0) {
  console.error(`bench:ingest failed: ${failures.join("; ")}`);
  process.exit(1);
}
