// The Docker engine as the container tests use it: is there one, run the CLI, name things.
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { REPO } from "../render.ts";

/** The images the global setup builds, under the names docker-compose.yml gives them. */
export const FUNCTIONS_IMAGE = "zixly/functions:dev";
export const JOB_IMAGE = "zixly/backtest-job:dev";
/** The bases deploy/base-images/build.sh makes from Debian packages (no registry needed). */
export const NODE_BASE = "zixly/node-base:20-bookworm";
export const POSTGRES_BASE = "zixly/postgres-base:15-bookworm";
export const REDIS_BASE = "zixly/redis-base:7-bookworm";

/** What the global setup hands the test files. */
export interface ContainersContext {
  /** Why no container test can run here, or undefined when a Docker engine answers. */
  readonly skip?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    containers: ContainersContext;
  }
}

/**
 * Why no Docker engine can be used here, or undefined when `docker info` answers. The reason
 * names what is missing: the CLI, or the engine behind it.
 */
export function engineProblem(): string | undefined {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  if (info.error) return `no docker CLI (${info.error.message})`;
  if (info.status !== 0) {
    const said = info.stderr.trim().split("\n").at(-1) ?? "";
    return `no Docker engine answers (${said})`;
  }
  return undefined;
}

/** The global setup's verdict, printed once per file that skips. */
export function skipReason(title: string): string | undefined {
  const { skip } = inject("containers");
  if (skip) process.stderr.write(`${title}: skipped, ${skip}\n`);
  return skip;
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `file args` from the repository's root and resolves with what it printed, whatever the
 * exit code. Never a shell: arguments are passed as they are.
 */
export function run(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      {
        cwd: REPO,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** `docker args`; throws with docker's own message when it fails. */
export async function docker(
  args: readonly string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<string> {
  const ran = await run("docker", args, options);
  if (ran.code !== 0) {
    throw new Error(
      `docker ${args.slice(0, 3).join(" ")} failed (${ran.code}): ${ran.stderr.trim()}`,
    );
  }
  return ran.stdout.trim();
}

/** A name no other run uses: `<prefix>-<8 hex>`, for containers, networks and projects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** The host port docker published for `containerPort` of `container` on 127.0.0.1. */
export async function publishedPort(container: string, containerPort: number): Promise<number> {
  const out = await docker(["port", container, `${containerPort}/tcp`]);
  const line = out.split("\n").find((l) => l.startsWith("127.0.0.1:"));
  const port = Number(line?.split(":").at(-1));
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(`${container}: port ${containerPort} is not published on 127.0.0.1 (${out})`);
  }
  return port;
}

/** The last `lines` lines of a container's output, for failure messages. */
export async function logsOf(container: string, lines = 40): Promise<string> {
  const ran = await run("docker", ["logs", "--tail", String(lines), container]);
  return `${ran.stdout}${ran.stderr}`.trim();
}

/** Image size in bytes, as `docker image inspect` reports it. */
export async function imageBytes(image: string): Promise<number> {
  return Number(await docker(["image", "inspect", "--format", "{{.Size}}", image]));
}

/** Prints one figure line, prefixed so that a CI log can be grepped for them. */
export function figure(line: string): void {
  process.stdout.write(`[containers] ${line}\n`);
}
