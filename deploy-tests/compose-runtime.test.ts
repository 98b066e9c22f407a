// docker-compose.yml as it runs: Compose v1 and v2 accept it, `up` needs no unpullable image,
// health is asked cheaply, every container has a memory limit, the data sets are mounted where
// the Jobs read them, and every container stops on SIGTERM (docs/decisions/0035-compose-v1-and-v2.md).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../platform/config.ts";
import { REPO, readYamlFile, repoPath } from "./render.ts";

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[]; interval?: string; start_period?: string };
  profiles?: string[];
  volumes?: string[];
  ports?: string[];
  init?: boolean;
  mem_limit?: string;
  stop_signal?: string;
}

const compose = readYamlFile("docker-compose.yml") as Record<string, unknown> & {
  services: Record<string, ComposeService>;
};
const services = compose.services;

/** The function folders, as functions/serve.ts runs them. */
const FUNCTIONS = readdirSync(repoPath("functions"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "test-support")
  .map((d) => d.name);

/** What `docker compose up` starts: every service that names no profile. */
const DEFAULT = Object.keys(services).filter((name) => !services[name].profiles);

/** `256m`, `1g` as bytes: the forms mem_limit takes in both Compose versions. */
function bytes(limit: string | undefined): number {
  const match = /^(\d+)([kmg])$/.exec(limit ?? "");
  if (!match) return Number.NaN;
  return Number(match[1]) * 1024 ** { k: 1, m: 2, g: 3 }[match[2] as "k" | "m" | "g"];
}

/** Whether `file args` runs here (a Compose CLI may be absent). */
function runs(file: string, args: string[]): boolean {
  return spawnSync(file, args, { stdio: "ignore" }).status === 0;
}
const COMPOSE_V1 = runs("docker-compose", ["version"]);
const COMPOSE_V2 = runs("docker", ["compose", "version"]);

/** `<cli> -f docker-compose.yml [--profile ...] config -q` from the repository's root. */
function composeConfig(cli: string[], profiles: string[]) {
  const args = [...cli.slice(1), "-f", "docker-compose.yml"];
  for (const p of profiles) args.push("--profile", p);
  return spawnSync(cli[0], [...args, "config", "-q"], { cwd: REPO, encoding: "utf8" });
}

/** A server on a free loopback port that answers every request with `status`. */
async function serve(status: number): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** The readiness check's exit code, run by bash as docker runs it, against `port`. */
async function readyzCheck(service: ComposeService, port: number): Promise<number | null> {
  const [form, shell, flag, script] = service.healthcheck?.test ?? [];
  expect([form, shell, flag]).toEqual(["CMD", "bash", "-c"]);
  expect(script).toContain("/dev/tcp/127.0.0.1/8080");
  // Not spawnSync: the server answering it runs on this process's event loop.
  const child = spawn(shell, [flag, script.replace("/127.0.0.1/8080", `/127.0.0.1/${port}`)], {
    stdio: "ignore",
    timeout: 10_000,
  });
  return new Promise((resolve) => child.on("exit", resolve));
}

/** reaper-ping's script, as its container runs it, pointed at `target`. */
function startReaper(target: string): ChildProcess {
  const command = services["reaper-ping"].command ?? [];
  expect(command.slice(0, 2)).toEqual(["node", "-e"]);
  return spawn(process.execPath, ["-e", command[2]], {
    env: { PATH: process.env.PATH ?? "", TARGET: target, BROKER_TOKEN: "t".repeat(32) },
    stdio: "ignore",
  });
}

describe("docker-compose.yml under Compose v1 and v2", () => {
  it("names no project: Compose v1 refuses a top-level `name`", () => {
    expect(Object.keys(compose).filter((key) => !key.startsWith("x-"))).toEqual([
      "services",
      "volumes",
    ]);
    // The header says how to name it instead.
    expect(readFileSync(repoPath("docker-compose.yml"), "utf8")).toMatch(
      /COMPOSE_PROJECT_NAME=zixly-pipelines/,
    );
  });

  it("uses no key that Compose v1's schema lacks", () => {
    for (const [name, service] of Object.entries(services)) {
      // v2 only: a healthcheck's start_interval, and depends_on's `required` and `restart`.
      expect(Object.keys(service.healthcheck ?? {}), name).not.toContain("start_interval");
      const deps = service.depends_on ?? [];
      if (Array.isArray(deps)) continue;
      for (const [dep, condition] of Object.entries(deps)) {
        expect(Object.keys(condition), `${name} -> ${dep}`).toEqual(["condition"]);
      }
      // v1 ignores deploy.resources without --compatibility; mem_limit works in both.
      expect(Object.keys(service), name).not.toContain("deploy");
    }
  });

  for (const [label, cli, available] of [
    ["docker-compose (v1)", ["docker-compose"], COMPOSE_V1],
    ["docker compose (v2)", ["docker", "compose"], COMPOSE_V2],
  ] as const) {
    it.skipIf(!available)(
      `is accepted by ${label} with every profile${available ? "" : ` (skipped: ${cli.join(" ")} is not installed)`}`,
      () => {
        for (const profiles of [[], ["monitoring", "manual"]]) {
          const result = composeConfig([...cli], profiles);
          expect(result.status, `${profiles.join(",")}: ${result.stderr}`).toBe(0);
        }
      },
    );
  }
});

describe("docker-compose.yml: what `up` starts", () => {
  it("keeps Prometheus and Grafana behind the monitoring profile: their images cannot be pulled everywhere", () => {
    expect(services.prometheus.profiles).toEqual(["monitoring"]);
    expect(services.grafana.profiles).toEqual(["monitoring"]);
    expect(DEFAULT.sort()).toEqual(
      ["broker", "postgres", "redis", "reaper-ping", ...FUNCTIONS].sort(),
    );
  });

  it("starts nothing by default that waits for a service behind a profile", () => {
    for (const name of DEFAULT) {
      const deps = services[name].depends_on ?? [];
      for (const dep of Array.isArray(deps) ? deps : Object.keys(deps)) {
        expect(services[dep].profiles, `${name} -> ${dep}`).toBeUndefined();
      }
    }
  });

  it("publishes only ingest-webhook and the api by default, Prometheus and Grafana with their profile", () => {
    const published = (names: string[]) =>
      names.filter((name) => (services[name].ports ?? []).length > 0).sort();
    expect(published(DEFAULT)).toEqual(["api", "ingest-webhook"]);
    expect(published(Object.keys(services))).toEqual([
      "api",
      "grafana",
      "ingest-webhook",
      "prometheus",
    ]);
  });
});

describe("docker-compose.yml: healthchecks", () => {
  const checked = ["broker", ...FUNCTIONS];

  it("starts no node process to check health", () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test ?? [], name).not.toContain("node");
    }
  });

  it("calls the broker and each function healthy when /readyz answers 200, and only then", async () => {
    for (const name of checked) {
      const script = services[name].healthcheck?.test[3] ?? "";
      // Compose would interpolate a `$`: the script run here would not be the one run there.
      expect(script, name).not.toContain("$");
      expect(script, name).toBe(services.broker.healthcheck?.test[3]);
    }
    const ready = await serve(200);
    const unready = await serve(503);
    try {
      expect(await readyzCheck(services.api, ready.port)).toBe(0);
      expect(ready.paths).toEqual(["GET /readyz"]);
      expect(await readyzCheck(services.api, unready.port)).not.toBe(0);
    } finally {
      await close(ready.server);
      await close(unready.server);
    }
    // Nothing listening: the container is not ready either.
    const gone = await serve(200);
    await close(gone.server);
    expect(await readyzCheck(services.api, gone.port)).not.toBe(0);
  });

  it("asks Postgres over TCP, so the socket-only server of first-run init does not pass", () => {
    expect(services.postgres.healthcheck?.test).toEqual([
      "CMD",
      "pg_isready",
      "-h",
      "127.0.0.1",
      "-U",
      "zixly",
      "-d",
      "zixly",
    ]);
  });
});

describe("docker-compose.yml: resources and data", () => {
  it("limits every service's memory, a function to 256–512 MB and dispatch-backtest to more", () => {
    for (const [name, service] of Object.entries(services)) {
      expect(bytes(service.mem_limit), name).toBeGreaterThan(0);
    }
    for (const name of FUNCTIONS.filter((f) => f !== "dispatch-backtest")) {
      expect(bytes(services[name].mem_limit), name).toBeGreaterThanOrEqual(256 * 1024 ** 2);
      expect(bytes(services[name].mem_limit), name).toBeLessThanOrEqual(512 * 1024 ** 2);
    }
    // It runs up to JOB_CONCURRENCY shards, each a node process, inside its own limit.
    expect(bytes(services["dispatch-backtest"].mem_limit)).toBeGreaterThan(
      bytes(services.api.mem_limit) * 2,
    );
  });

  it("mounts ./data read-only at DATA_DIR wherever a Job runs, so every example's data is there", () => {
    const paths: string[] = [];
    for (const file of readdirSync(repoPath("examples"))) {
      const request = JSON.parse(readFileSync(repoPath(`examples/${file}`), "utf8"));
      if (request.data?.path) paths.push(request.data.path);
    }
    expect(paths.length, "an example reads a data set by path").toBeGreaterThan(0);
    for (const name of ["dispatch-backtest", "runner"]) {
      const dataDir = services[name].environment?.DATA_DIR;
      expect(dataDir, name).toMatch(/^\//);
      expect(services[name].volumes, name).toContain(`./data:${dataDir}:ro`);
      for (const path of paths) expect(existsSync(repoPath(`data/${path}`)), path).toBe(true);
    }
    // The local launcher hands the function's DATA_DIR to every shard it starts.
    const dispatch = services["dispatch-backtest"].environment ?? {};
    expect(loadConfig({ ...dispatch }).DATA_DIR).toBe(dispatch.DATA_DIR);
  });
});

describe("docker-compose.yml: stopping", () => {
  it("runs tini as PID 1 in every container of our images, and Postgres stops fast", () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image?.startsWith("zixly/")) expect(service.init, name).toBe(true);
    }
    // SIGTERM is Postgres's smart shutdown, which waits for every client to disconnect.
    expect(services.postgres.stop_signal).toBe("SIGINT");
  });

  it("has reaper-ping exit 0 on SIGTERM within 2 s (regression: node as PID 1 ignored it)", async () => {
    const target = await serve(202);
    const child = startReaper(`http://127.0.0.1:${target.port}/`);
    try {
      // Its first ping has gone out: the script is running its interval.
      await expect.poll(() => target.paths.length, { timeout: 10_000 }).toBe(1);
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      const started = Date.now();
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      child.kill("SIGKILL");
      await close(target.server);
    }
  });
});
