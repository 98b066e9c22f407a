// One docker-compose v1 project of docker-compose.yml on the air-gapped bases, as the container tests drive it.
import { readFileSync } from "node:fs";
import { readYamlFile, repoPath } from "../render.ts";
import { docker, logsOf, type Ran, run } from "./docker.ts";

interface ComposeService {
  profiles?: string[];
  depends_on?: Record<string, unknown> | string[];
  stop_grace_period?: string;
}

const FILES = ["-f", "docker-compose.yml", "-f", "docker-compose.airgap.yml"];

/** docker-compose.yml's services; the air-gapped override adds none. */
export const COMPOSE_SERVICES = (
  readYamlFile("docker-compose.yml") as { services: Record<string, ComposeService> }
).services;

/**
 * What `up` starts (every service without a profile), dependencies first, so that the
 * reverse is the order to stop them in.
 */
export const DEFAULT_SERVICES: readonly string[] = (() => {
  const names = Object.keys(COMPOSE_SERVICES).filter((n) => !COMPOSE_SERVICES[n].profiles);
  const ordered: string[] = [];
  const visit = (name: string) => {
    if (ordered.includes(name)) return;
    const deps = COMPOSE_SERVICES[name].depends_on ?? [];
    for (const dep of Array.isArray(deps) ? deps : Object.keys(deps)) visit(dep);
    ordered.push(name);
  };
  for (const name of names) visit(name);
  return ordered;
})();

/** A service's stop_grace_period in seconds (`5s`, `1m30s`), or docker's default of 10. */
export function graceSeconds(service: string): number {
  const text = COMPOSE_SERVICES[service]?.stop_grace_period;
  if (!text) return 10;
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || (!match[1] && !match[2])) throw new Error(`${service}: stop_grace_period ${text}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/** deploy/compose.env as the variables it sets: the stack's dev-only secrets. */
export function composeEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(repoPath("deploy/compose.env"), "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) out[match[1]] = match[2];
  }
  return out;
}

/** The functions' database, as deploy/compose.env gives it. */
const DATABASE_URL = composeEnv().DATABASE_URL;

/** A container's state, health (when it has a healthcheck) and exit code. */
export interface ContainerState {
  readonly status: string;
  readonly health?: string;
  readonly exitCode: number;
  readonly oomKilled: boolean;
}

/** `docker inspect` of one container, the fields the tests read. */
export async function containerState(id: string): Promise<ContainerState> {
  const out = await docker([
    "inspect",
    "--format",
    "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
    id,
  ]);
  const [status, exitCode, oomKilled, health] = out.split(" ");
  return {
    status,
    exitCode: Number(exitCode),
    oomKilled: oomKilled === "true",
    health: health || undefined,
  };
}

/** Ready to take work: healthy when the service has a healthcheck, running when it has none. */
function isReady(state: ContainerState): boolean {
  return state.status === "running" && (state.health === undefined || state.health === "healthy");
}

/**
 * `docker-compose -p <name> -f docker-compose.yml -f docker-compose.airgap.yml ...` from the
 * repository's root, with `env` added to the environment (the published ports).
 */
export class ComposeProject {
  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Runs a docker-compose command and resolves with what it printed, whatever its exit code. */
  compose(args: readonly string[], timeoutMs = 600_000): Promise<Ran> {
    return run("docker-compose", ["-p", this.name, ...FILES, ...args], {
      env: { ...process.env, ...this.env },
      timeoutMs,
    });
  }

  /** Runs a docker-compose command; throws with its output when it fails. */
  async must(args: readonly string[], timeoutMs?: number): Promise<string> {
    const ran = await this.compose(args, timeoutMs);
    if (ran.code !== 0) {
      throw new Error(
        `docker-compose ${args.join(" ")} failed (${ran.code}):\n${ran.stderr.trim()}\n${await this.report()}`,
      );
    }
    return ran.stdout;
  }

  /** Each service's container (one replica each here), found by compose's labels. */
  async containers(): Promise<Map<string, string>> {
    const out = await docker([
      "ps",
      "-a",
      "--filter",
      `label=com.docker.compose.project=${this.name}`,
      "--format",
      '{{.ID}} {{.Label "com.docker.compose.service"}}',
    ]);
    const map = new Map<string, string>();
    for (const line of out.split("\n").filter(Boolean)) {
      const [id, service] = line.split(" ");
      map.set(service, id);
    }
    return map;
  }

  /** The container of `service`. */
  async container(service: string): Promise<string> {
    const id = (await this.containers()).get(service);
    if (!id) throw new Error(`${this.name}: no container for ${service}`);
    return id;
  }

  /**
   * Waits until every service in `services` is ready (healthy, or running when it has no
   * healthcheck). On timeout the error names each one that is not, with the tail of its logs.
   */
  async waitReady(services: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await this.states(services);
      const waiting = services.filter((s) => {
        const state = states.get(s);
        return !state || !isReady(state);
      });
      if (waiting.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name}: not ready after ${timeoutMs / 1000} s: ${waiting.join(", ")}\n${await this.report(waiting)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /** `psql -At -c sql` inside the Postgres container, as the functions connect (compose.env). */
  async psql(sql: string): Promise<string> {
    const url = DATABASE_URL;
    return (await this.must(["exec", "-T", "postgres", "psql", url, "-At", "-c", sql])).trim();
  }

  /** Everything the project made goes: containers, its network and its volumes. */
  down(): Promise<Ran> {
    return this.compose(["down", "-v", "--remove-orphans", "-t", "10"]);
  }

  /** Each service's state and its last log lines, for those not ready: what a failure message needs. */
  async report(services: readonly string[] = DEFAULT_SERVICES): Promise<string> {
    const ids = await this.containers().catch(() => new Map<string, string>());
    const states = await this.states(services);
    const parts: string[] = [];
    for (const service of services) {
      const state = states.get(service);
      if (state && isReady(state)) continue;
      const id = ids.get(service);
      const logs = id ? await logsOf(id, 25) : "(no container)";
      const said = state ? `${state.status} ${state.health ?? ""}`.trim() : "absent";
      parts.push(`--- ${service}: ${said}\n${logs}`);
    }
    return parts.join("\n");
  }

  /** The state of each of `services` that has a container. */
  private async states(services: readonly string[]): Promise<Map<string, ContainerState>> {
    const ids = await this.containers().catch(() => new Map<string, string>());
    const out = new Map<string, ContainerState>();
    await Promise.all(
      services.map(async (service) => {
        const id = ids.get(service);
        const state = id ? await containerState(id).catch(() => undefined) : undefined;
        if (state) out.set(service, state);
      }),
    );
    return out;
  }
}
