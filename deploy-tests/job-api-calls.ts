// Which Kubernetes API verbs each function really needs on batch/jobs: the calls the launcher
// makes, recorded through a stand-in API client, for the launcher methods each function calls.
import { readdirSync, readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubernetesJobLauncher } from "../platform/launchers/kubernetes-job-launcher.ts";
import { createLogger } from "../platform/log.ts";
import type { JobLauncher } from "../platform/ports.ts";
import { OPTIONS, REQUEST } from "./job-pod.ts";
import { repoPath } from "./render.ts";

/** The RBAC verb of a BatchV1Api method, by its prefix (`readNamespacedJob` -> get). */
const VERB_OF_PREFIX: readonly [string, string][] = [
  ["create", "create"],
  ["read", "get"],
  ["list", "list"],
  ["watch", "watch"],
  ["replace", "update"],
  ["patch", "patch"],
  ["deleteCollection", "deletecollection"],
  ["delete", "delete"],
];

function verbOf(method: string): string {
  const found = VERB_OF_PREFIX.find(([prefix]) => method.startsWith(prefix));
  if (!found) throw new Error(`no RBAC verb known for BatchV1Api.${method}`);
  return found[1];
}

const RUN_ID = `run_${"b".repeat(13)}${"3".repeat(13)}`;

/**
 * The BatchV1Api methods one launcher method calls, on its longest path: every call answers
 * as if the Job exists, so cancel() goes on from its GET to the DELETE.
 */
async function apiCallsOf(method: "launch" | "cancel" | "exists"): Promise<string[]> {
  const calls: string[] = [];
  const api = new Proxy(
    {},
    {
      get: (_target, name) => async () => {
        calls.push(String(name));
        return {};
      },
    },
  );
  const kubeConfig = { makeApiClient: () => api } as unknown as KubeConfig;
  const launcher: JobLauncher = new KubernetesJobLauncher(kubeConfig, {
    ...OPTIONS,
    log: createLogger("rbac-test", {}, { level: "silent" }),
  });
  if (method === "launch") {
    const shard = { runId: RUN_ID, shardIndex: 0, shardCount: 1, request: REQUEST };
    await launcher.launch(RUN_ID, [shard]);
  } else if (method === "cancel") {
    await launcher.cancel(RUN_ID);
  } else {
    await launcher.exists?.(RUN_ID);
  }
  return calls;
}

/** The RBAC verbs on batch/jobs of each launcher method, from the calls it makes. */
export async function launcherVerbs(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const method of ["launch", "cancel", "exists"] as const) {
    out[method] = [...new Set((await apiCallsOf(method)).map(verbOf))].sort();
  }
  return out;
}

/** Every non-test .ts file under a folder, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "test-support" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The JobLauncher methods a function's code calls (`launcher.cancel(`, `launcher.exists?.(`). */
export function launcherMethodsCalledBy(functionName: string): string[] {
  const methods = new Set<string>();
  for (const file of sourceFiles(repoPath(`functions/${functionName}`))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\blauncher\.(launch|cancel|exists|holds)\??\.?\(/g)) {
      methods.add(match[1] as string);
    }
  }
  return [...methods].sort();
}

/** The verbs on batch/jobs that a function's code needs, through the launcher. */
export async function verbsNeededBy(functionName: string): Promise<string[]> {
  const byMethod = await launcherVerbs();
  const methods = launcherMethodsCalledBy(functionName);
  return [...new Set(methods.flatMap((m) => byMethod[m] ?? []))].sort();
}
