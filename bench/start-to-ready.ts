// Start-to-ready benchmark: from spawning a function (plain node, or `docker run` of its image) to the first 200 on /healthz, against a bare node server started the same way.
// Usage: npm run -s bench:start -- --app <dir laid out by images/bundle.ts> [--reps 5] [--json]
//        npm run -s bench:start -- --image zixly/functions:dev [--reps 5] [--json]
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    app: { type: "string" },
    image: { type: "string" },
    reps: { type: "string", default: "5" },
    targets: { type: "string", default: "ingest-webhook,api,watch-jobs,notify" },
    json: { type: "boolean", default: false },
  },
});
if (!values.app === !values.image) {
  process.stderr.write("give exactly one of --app <dir> or --image <name>\n");
  process.exit(2);
}
const reps = Math.max(1, Number(values.reps));

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

/** Spawns one process (`node <args>` or the image with the same args) serving on a free port. */
function start(port: number, env: Record<string, string>, args: string[]): ChildProcess {
  if (values.app) {
    return spawn(process.execPath, args, {
      cwd: values.app,
      env: { ...process.env, ...env, PORT: String(port), METRICS_PORT: "0" },
      stdio: "ignore",
    });
  }
  // The flags of compose and the pods: read-only root, a tmpfs, uid 10001, no capabilities.
  const flags = ["--rm", "--read-only", "--tmpfs", "/tmp", "--user", "10001:10001"];
  flags.push("--cap-drop", "ALL", "--network", "host");
  const envFlags = Object.entries({ ...env, PORT: String(port), METRICS_PORT: "0" }).flatMap(
    ([k, v]) => ["-e", `${k}=${v}`],
  );
  return spawn("docker", ["run", ...flags, ...envFlags, values.image!, "node", ...args], {
    stdio: "ignore",
  });
}

/** Milliseconds from spawn to the first 200 on /healthz; the process is stopped after. */
async function startToReady(env: Record<string, string>, args: string[]): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = start(port, env, args);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  try {
    for (;;) {
      if (exited) throw new Error(`exited before ready: node ${args.join(" ")}`);
      if (performance.now() - t0 > 30_000) throw new Error("not ready within 30 s");
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - t0;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.kill("SIGTERM");
    if (!exited) await new Promise((resolve) => child.once("exit", resolve));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const serve = join("dist", "functions", "serve.js");
const rows: { name: string; medianMs: number; ratio: number }[] = [];
const bare: number[] = [];
for (let i = 0; i < reps; i++) bare.push(await startToReady({}, ["-e", BARE]));
const bareMs = median(bare);
rows.push({ name: "bare node server", medianMs: bareMs, ratio: 1 });
for (const target of (values.targets ?? "").split(",").filter(Boolean)) {
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    ms.push(await startToReady({ ...ENV, FUNCTION_TARGET: target }, [serve]));
  }
  rows.push({ name: target, medianMs: median(ms), ratio: median(ms) / bareMs });
}
if (values.json) {
  process.stdout.write(`${JSON.stringify({ reps, rows }, null, 2)}\n`);
} else {
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(18)} ${r.medianMs.toFixed(0).padStart(6)} ms  ${r.ratio.toFixed(2)}x\n`,
    );
  }
}
