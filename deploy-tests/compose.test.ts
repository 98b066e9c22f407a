// docker-compose.yml, the phase-1 deployment: valid by the Compose Specification's schema, one
// container per function wired to the broker by the same Triggers, hardened like the pods.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { loadTriggers } from "../platform/broker/trigger-definitions.ts";
import { loadConfig } from "../platform/config.ts";
import { readYamlFile, repoPath, sharedSchema } from "./render.ts";

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  profiles?: string[];
  volumes?: string[];
  ports?: string[];
}

const compose = readYamlFile("docker-compose.yml") as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const composeSchema = sharedSchema("compose-spec.json");

/** The function folders, as functions/serve.ts runs them. */
const FUNCTIONS = readdirSync(repoPath("functions"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "test-support")
  .map((d) => d.name);

/** A service's environment as compose gives it: its env files, then its own `environment`. */
const envOf = (service: ComposeService): Record<string, string> =>
  Object.assign({}, ...(service.env_file ?? []).map(envFile), service.environment);

/** What a server received from reaper-ping's script, run as its container runs it. */
async function firstPing(service: ComposeService): Promise<{
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const command = service.command ?? [];
  expect(command.slice(0, 2)).toEqual(["node", "-e"]);
  let resolveRequest: (value: Awaited<ReturnType<typeof firstPing>>) => void = () => {};
  const received = new Promise<Awaited<ReturnType<typeof firstPing>>>((resolve) => {
    resolveRequest = resolve;
  });
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      res.writeHead(202).end();
      resolveRequest({ method: req.method ?? "", headers: req.headers, body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const child = spawn(process.execPath, ["-e", command[2]], {
    env: { PATH: process.env.PATH ?? "", ...envOf(service), TARGET: target },
    stdio: "ignore",
  });
  try {
    return await received;
  } finally {
    child.kill("SIGKILL");
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** deploy/compose.env as the variables it sets. */
function envFile(relative: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(repoPath(relative), "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) out[match[1]] = match[2];
  }
  return out;
}

describe("docker-compose.yml", () => {
  it.skipIf(!composeSchema)(
    `validates against the Compose Specification${composeSchema ? "" : " (skipped: ../shared/schemas/compose-spec.json is absent)"}`,
    () => {
      const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
      const validate = ajv.compile(composeSchema ?? {});
      expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    },
  );

  it("runs every function in a container of its own from the functions image", () => {
    for (const name of FUNCTIONS) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(service.image).toBe("zixly/functions:dev");
      expect(service.environment?.FUNCTION_TARGET).toBe(name);
    }
    expect(services.broker.build?.dockerfile).toBe("Dockerfile.functions");
  });

  it("gives each function an environment that loadConfig accepts, publishing to the broker", () => {
    for (const name of FUNCTIONS) {
      const config = loadConfig(envOf(services[name]));
      expect(config.K_SINK, name).toBe("http://broker:8080/broker/default");
      expect(config.DATABASE_URL, name).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(config.REDIS_URL, name).toMatch(/^redis:\/\/.*@redis:6379/);
    }
  });

  it("gives the broker, every function and the manual runner one broker token, marked dev-only", () => {
    const token = loadConfig(envOf(services.broker)).BROKER_TOKEN;
    expect(token, "the broker exits 2 without it").toBeDefined();
    expect(token!.length).toBeGreaterThanOrEqual(32);
    expect(token).toMatch(/^dev-only-/);
    for (const name of [...FUNCTIONS, "runner"]) {
      expect(envOf(services[name]).BROKER_TOKEN, name).toBe(token);
    }
    expect(envOf(services.runner).K_SINK).toBe("http://broker:8080/broker/default");
  });

  it("has reaper-ping send watch-jobs a ping CloudEvent with the broker token as a bearer token", async () => {
    const reaper = services["reaper-ping"];
    expect(reaper.environment?.TARGET).toBe("http://watch-jobs:8080/");
    const script = reaper.command?.[2] ?? "";
    // Compose interpolates `$` in the command, so the script run here would not be the one run there.
    expect(script).not.toContain("$");
    const token = envOf(services.broker).BROKER_TOKEN;
    const ping = await firstPing(reaper);
    expect(ping.method).toBe("POST");
    expect(ping.headers.authorization).toBe(`Bearer ${token}`);
    expect(ping.headers["ce-type"]).toBe("dev.knative.sources.ping");
    expect(ping.headers["content-type"]).toBe("application/json");
    expect(ping.body).toBe("{}");
  });

  it("publishes only ingest-webhook, the api, Prometheus and Grafana on the host, on loopback", () => {
    // Prometheus and Grafana only with their profile (compose-runtime.test.ts).
    const published = Object.entries(services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(["api", "grafana", "ingest-webhook", "prometheus"]);
    for (const name of published) {
      for (const port of services[name].ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    // Not the broker: anyone who could post to it could start, finish or fail any run.
    expect(services.broker.ports).toBeUndefined();
  });

  it("runs dispatch-backtest with the local launcher, from the image's compiled serve.js", () => {
    const dispatch = services["dispatch-backtest"];
    expect(dispatch.environment?.JOB_LAUNCHER).toBe("local");
    // The image's CMD: compiled, the launcher starts `node dist/backtest-job/main.js`.
    expect(dispatch.command).toBeUndefined();
  });

  it("runs the broker from stack/broker-main.ts, and it reaches every Trigger's subscriber", async () => {
    expect(services.broker.command).toEqual(["node", "dist/stack/broker-main.js"]);
    expect(readdirSync(repoPath("stack"))).toContain("broker-main.ts");
    const env = envFile("deploy/compose.env");
    const template = loadConfig(env).SUBSCRIBER_URL_TEMPLATE as string;
    const triggers = loadTriggers(readFileSync(repoPath("knative/base/triggers.yaml"), "utf8"));
    for (const t of triggers) {
      const url = new URL(template.replace("{name}", t.subscriber));
      expect(services[url.hostname], t.name).toBeDefined();
      expect(url.port).toBe("8080");
    }
  });

  it("keeps the broker's deliveries across restarts: Postgres first, its spool on a volume", () => {
    const broker = services.broker;
    expect(broker.depends_on?.postgres?.condition).toBe("service_healthy");
    const dataHome = broker.environment?.DATA_HOME;
    expect(dataHome).toMatch(/^\//);
    const volume = (broker.volumes ?? []).find((v) => v.endsWith(`:${dataHome}`));
    expect(volume, "a named volume at DATA_HOME").toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(volume!.split(":")[0]);
    expect(broker.healthcheck?.test.join(" ")).toContain("/readyz");
    // The image makes the folder the non-root user's, so a fresh named volume is writable.
    expect(readFileSync(repoPath("Dockerfile.functions"), "utf8")).toContain(
      `chown 10001:10001 ${dataHome}`,
    );
  });

  it("starts functions only once the stores and the broker are healthy", () => {
    for (const name of FUNCTIONS) {
      const deps = services[name].depends_on ?? {};
      for (const dep of ["postgres", "redis", "broker"]) {
        expect(deps[dep]?.condition, `${name} -> ${dep}`).toBe("service_healthy");
        expect(services[dep].healthcheck, dep).toBeDefined();
      }
    }
  });

  it("calls a function container healthy once it is ready: its healthcheck asks /readyz", () => {
    for (const name of FUNCTIONS) {
      // bash over /dev/tcp, run against a server in compose-runtime.test.ts.
      const test = services[name].healthcheck?.test.join(" ") ?? "";
      expect(test, name).toContain("/dev/tcp/127.0.0.1/8080");
      expect(test, name).toContain("GET /readyz ");
      expect(test, name).not.toContain("/healthz");
    }
  });

  it("hardens the containers of our images like the pods: uid 10001, read-only, no capabilities", () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image?.startsWith("zixly/")) continue;
      expect(service.user, name).toBe("10001:10001");
      expect(service.read_only, name).toBe(true);
      expect(service.cap_drop, name).toEqual(["ALL"]);
    }
  });

  it("keeps the manual shard runner out of `docker compose up`", () => {
    expect(services.runner.profiles).toEqual(["manual"]);
    expect(services.runner.build?.dockerfile).toBe("Dockerfile.backtest-job");
  });
});
