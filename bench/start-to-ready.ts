// Start-to-ready benchmark: from spawning a function (plain node, or `docker run` of its image) to the first 200 on /healthz, against a bare node server started the same way.
// Usage: npm run -s bench:start -- --app <dir laid out by images/bundle.ts> [--reps 5] [--targets a,b] [--json]
//        npm run -s bench:start -- --image zixly/functions:dev [--reps 5] [--targets a,b] [--json]
//
// Two figures per start: `healthz`, the first 200 on /healthz (liveness: issue 10's measure),
// and `loaded`, the first readiness report on /readyz, ready or not, which only the loaded
// function gives (the database, Redis and broker addresses below need not answer): what every
// request but /healthz waits for (docs/decisions/0036-listen-first.md). With --app on Linux,
// `cpu` is the CPU time the process had used by `loaded`: what loading costs, which a busy
// machine stretches less than the wall-clock figures.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ALL_TARGETS = [
  "ingest-webhook",
  "api",
  "watch-jobs",
  "notify",
  "dispatch-backtest",
  "record-result",
  "dead-letters",
];

const { values } = parseArgs({
  options: {
    app: { type: "string" },
    image: { type: "string" },
    reps: { type: "string", default: "5" },
    targets: { type: "string", default: ALL_TARGETS.join(",") },
    json: { type: "boolean", default: false },
  },
});
if (!values.app === !values.image) {
  process.stderr.write("give exactly one of --app <dir> or --image <name>\n");
  process.exit(2);
}
const reps = Math.max(1, Number(values.reps));
const targets = (values.targets ?? "").split(",").filter(Boolean);
const unknown = targets.filter((t) => !ALL_TARGETS.includes(t));
if (unknown.length > 0) {
  process.stderr.write(`unknown targets: ${unknown.join(", ")}; known: ${ALL_TARGETS}\n`);
  process.exit(2);
}

/** The settings of deploy/compose.env, with addresses where nothing listens: /healthz needs none. */
const ENV: Record<string, string> = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
  REDIS_URL: "redis://127.0.0.1:6379",
  K_SINK: "http://127.0.0.1:9/",
  WEBHOOK_SECRET: "whsec_eml4bHktZGV2LW9ubHktd2ViaG9vay1zZWNyZXQtMDA=",
  API_TOKEN: "dev-only-api-token-not-secret",
  BROKER_TOKEN: "dev-only-broker-token-not-secret-0123456789",
  NODE_ENV: "production",
};

/** The baseline: the least a node HTTP server does before its first 200. */
const BARE = `require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.env.PORT))`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A started process, and how to stop it for good. */
interface Started {
  readonly child: ChildProcess;
  stop(): void;
}

let containers = 0;

/** Spawns one process (`node <args>` or the image with the same args) serving on a free port. */
function start(port: number, env: Record<string, string>, args: string[]): Started {
  if (values.app) {
    const child = spawn(process.execPath, args, {
      cwd: values.app,
      env: { ...process.env, ...env, PORT: String(port), METRICS_PORT: "0" },
      stdio: "ignore",
    });
    return { child, stop: () => child.kill("SIGTERM") };
  }
  // The flags of compose and the pods: read-only root, a tmpfs, uid 10001, no capabilities.
  const name = `zixly-start-bench-${process.pid}-${++containers}`;
  const flags = ["--rm", "--name", name, "--read-only", "--tmpfs", "/tmp"];
  flags.push("--user", "10001:10001", "--cap-drop", "ALL", "--network", "host");
  const envFlags = Object.entries({ ...env, PORT: String(port), METRICS_PORT: "0" }).flatMap(
    ([k, v]) => ["-e", `${k}=${v}`],
  );
  const child = spawn("docker", ["run", ...flags, ...envFlags, values.image!, "node", ...args], {
    stdio: "ignore",
  });
  // Node as PID 1 has no default SIGTERM handler, so the bare server would never stop on
  // `docker stop` or a signal to the client: remove the container outright.
  return {
    child,
    stop: () => void spawnSync("docker", ["rm", "--force", name], { stdio: "ignore" }),
  };
}

/** The status and body of what answered at `url`, or undefined when nothing did. */
const answerOf = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(10_000) }).then(
    async (r) => ({ status: r.status, body: await r.text() }),
    () => undefined,
  );

/** One start: milliseconds to each answer, and with --app the CPU the process had used by then. */
interface Start {
  readonly healthz: number;
  readonly loaded: number;
  /** User plus system CPU milliseconds of the node process at `loaded` (Linux, --app only). */
  readonly cpuLoaded?: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times. */
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/**
 * CPU milliseconds `pid` has used, from /proc (utime and stime), or undefined off Linux. Less
 * at the mercy of a busy machine than wall-clock time: what starting costs, not what it waited.
 */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== "linux") return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
  } catch {
    return undefined;
  }
}

/** A readiness report, ready or not (platform/health/readiness.ts): the loaded function's answer. */
const isReport = (body: string) => /^\{"status":"(ready|unready)","checks":/.test(body);

/**
 * Milliseconds from spawn to the first 200 on /healthz and to the first readiness report on
 * /readyz (for the bare server, its first answer there).
 */
async function startToReady(
  env: Record<string, string>,
  args: string[],
  bare: boolean,
): Promise<Start> {
  const port = await freePort();
  const t0 = performance.now();
  const started = start(port, env, args);
  let exited = false;
  started.child.once("exit", () => {
    exited = true;
  });
  type Answer = Awaited<ReturnType<typeof answerOf>>;
  const until = async (path: string, done: (answer: Answer) => boolean) => {
    for (;;) {
      if (exited) throw new Error(`exited before ready: node ${args.join(" ")}`);
      if (performance.now() - t0 > 30_000) throw new Error(`no answer on ${path} within 30 s`);
      if (done(await answerOf(`http://127.0.0.1:${port}${path}`))) return performance.now() - t0;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  try {
    const healthz = await until("/healthz", (answer) => answer?.status === 200);
    const loaded = await until(
      "/readyz",
      (answer) => answer !== undefined && (bare || isReport(answer.body)),
    );
    // The docker client's pid says nothing of the container's node.
    return { healthz, loaded, cpuLoaded: values.app ? cpuMs(started.child.pid) : undefined };
  } finally {
    started.stop();
    if (!exited) await new Promise((resolve) => started.child.once("exit", resolve));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  readonly name: string;
  /** Median, min and max milliseconds to the first 200 on /healthz, and its ratio to bare. */
  readonly healthzMs: number;
  readonly healthzRange: readonly [number, number];
  readonly healthzRatio: number;
  /** The same for the first readiness report on /readyz. */
  readonly loadedMs: number;
  readonly loadedRatio: number;
  /** Median CPU milliseconds used by then (--app on Linux). */
  readonly cpuLoadedMs?: number;
}

/** Median, min and max of one row's starts. */
function summary(starts: readonly Start[]) {
  const healthz = starts.map((s) => s.healthz);
  const cpu = starts.flatMap((s) => (s.cpuLoaded === undefined ? [] : [s.cpuLoaded]));
  return {
    healthzMs: median(healthz),
    healthzRange: [Math.min(...healthz), Math.max(...healthz)] as const,
    loadedMs: median(starts.map((s) => s.loaded)),
    cpuLoadedMs: cpu.length === starts.length ? median(cpu) : undefined,
  };
}

const serve = join("dist", "functions", "serve.js");
// Rounds: each starts the bare server and every target once, so a machine that gets busier or
// quieter along the way weighs on every row alike, not on the rows measured last.
const runs = [
  { name: "bare node server", env: {}, args: ["-e", BARE], bare: true },
  ...targets.map((target) => ({
    name: target,
    env: { ...ENV, FUNCTION_TARGET: target },
    args: [serve],
    bare: false,
  })),
];
const starts = runs.map(() => [] as Start[]);
// Starts are wall-clock: a machine busy with other work stretches them all (and docker's most).
const loadBefore = loadavg()[0]!;
for (let round = 0; round < reps; round++) {
  for (const [i, run] of runs.entries())
    starts[i]!.push(await startToReady(run.env, run.args, run.bare));
}
const load = { before: loadBefore, after: loadavg()[0]! };
const bare = summary(starts[0]!);
const rows: Row[] = runs.map((run, i) => {
  const m = summary(starts[i]!);
  return {
    name: run.name,
    ...m,
    healthzRatio: m.healthzMs / bare.healthzMs,
    loadedRatio: m.loadedMs / bare.loadedMs,
  };
});
if (values.json) {
  const mode = values.app ? { app: values.app } : { image: values.image };
  process.stdout.write(`${JSON.stringify({ ...mode, reps, loadAverage: load, rows }, null, 2)}\n`);
} else {
  process.stdout.write(
    `${values.app ? `plain node, ${values.app}` : `docker run ${values.image}`}; median of ${reps}; load average ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after\n`,
  );
  const cpu = rows.every((r) => r.cpuLoadedMs !== undefined);
  process.stdout.write(
    `${"".padEnd(18)} ${"healthz".padStart(8)} ${"(min-max)".padStart(11)} ${"ratio".padStart(6)}  ${"loaded".padStart(8)} ${"ratio".padStart(6)}${cpu ? `  ${"cpu".padStart(7)}` : ""}\n`,
  );
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  for (const r of rows) {
    const range = `${r.healthzRange[0].toFixed(0)}-${r.healthzRange[1].toFixed(0)}`;
    process.stdout.write(
      `${r.name.padEnd(18)} ${ms(r.healthzMs).padStart(8)} ${range.padStart(11)} ${`${r.healthzRatio.toFixed(2)}x`.padStart(6)}  ${ms(r.loadedMs).padStart(8)} ${`${r.loadedRatio.toFixed(2)}x`.padStart(6)}${cpu ? `  ${ms(r.cpuLoadedMs ?? 0).padStart(7)}` : ""}\n`,
    );
  }
}
