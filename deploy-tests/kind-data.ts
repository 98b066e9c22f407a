// Where a kind cluster's claims really live: PersistentVolumeClaim -> its PersistentVolume's
// hostPath on the node -> the folder of this machine that knative/cluster/kind.yaml mounts there.
import { readFileSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { parse } from "yaml";
import { type K8sObject, REPO, repoPath } from "./render.ts";

interface KindConfig {
  nodes: { extraMounts?: { hostPath: string; containerPath: string; readOnly?: boolean }[] }[];
}

/**
 * The host folder behind each claim of `objects` that is bound to a hostPath volume mounted
 * by kind.yaml: claim name -> absolute path. kind makes a relative hostPath absolute against
 * the folder it runs in, which kind-up.sh makes the repository's root.
 */
export function kindClaimFolders(objects: readonly K8sObject[]): Map<string, string> {
  const kind = parse(readFileSync(repoPath("knative/cluster/kind.yaml"), "utf8")) as KindConfig;
  const mounts = kind.nodes.flatMap((node) => node.extraMounts ?? []);
  const out = new Map<string, string>();
  for (const claim of objects.filter((o) => o.kind === "PersistentVolumeClaim")) {
    const volume = objects.find(
      (o) => o.kind === "PersistentVolume" && o.metadata.name === claim.spec.volumeName,
    );
    const nodePath = volume?.spec.hostPath?.path as string | undefined;
    const mount = mounts.find((m) => m.containerPath === nodePath);
    if (!mount) continue;
    const folder = isAbsolute(mount.hostPath) ? mount.hostPath : resolve(REPO, mount.hostPath);
    if (relative(REPO, folder).startsWith("..")) continue;
    out.set(claim.metadata.name, folder);
  }
  return out;
}
