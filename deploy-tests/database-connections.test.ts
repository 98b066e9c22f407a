// Pool size times the pods that may run at once stays under the database's max_connections,
// on each overlay's database: RDS of the documented class on eks, the in-cluster Postgres on kind.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../platform/config.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  named,
  renderOverlay,
  repoPath,
} from "./render.ts";
import { containerEnv, dataByName, knativeServices } from "./workloads.ts";

/**
 * While a new Revision rolls out, the old one may still run its pods: both count. (Knative
 * keeps the old Revision until the new one is ready, then scales it down.)
 */
const ROLLOUT_FACTOR = 2;

/** RDS for PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000). */
function rdsMaxConnections(memoryGiB: number): number {
  return Math.min(Math.floor((memoryGiB * 2 ** 30) / 9_531_392), 5000);
}

/**
 * What the pipeline may use of an RDS instance: DBInstanceClassMemory is the class's memory
 * less what RDS keeps for itself, so the formula on the nominal memory is an upper bound; 10% is
 * held back for that and for people and tools, and superuser_reserved_connections (3) and
 * rds.rds_superuser_reserved_connections (2) are not ours.
 */
function rdsBudget(memoryGiB: number): number {
  return Math.floor(rdsMaxConnections(memoryGiB) * 0.9) - 5;
}

/** The documented class of knative/overlays/eks: db.m6g.large, 8 GiB. */
const EKS_CLASS = { name: "db.m6g.large", memoryGiB: 8 };

/** Connections the functions of a render may hold at once: pool size x max-scale, summed. */
function demand(objects: readonly K8sObject[], secrets: Map<string, Record<string, string>>) {
  const configMaps = dataByName(objects, "ConfigMap");
  let connections = 0;
  let pods = 0;
  for (const s of knativeServices(objects)) {
    const env = containerEnv(s, s.spec.template.spec.containers[0], configMaps, secrets);
    const pool = loadConfig(env).DATABASE_POOL_MAX;
    const max = Number(s.spec.template.metadata.annotations["autoscaling.knative.dev/max-scale"]);
    connections += pool * max;
    pods += max;
  }
  return { connections: connections * ROLLOUT_FACTOR, pods };
}

describe("RDS connection arithmetic", () => {
  it("follows RDS's formula: 4 GiB allows 450, 8 GiB 901", () => {
    expect(rdsMaxConnections(4)).toBe(450);
    expect(rdsMaxConnections(8)).toBe(901);
    expect(rdsMaxConnections(1024)).toBe(5000);
    expect(rdsBudget(8)).toBe(805);
  });
});

describe("the eks README's table of RDS classes", () => {
  it("states each class's max_connections and the pods it holds at pool 3 through a rollout", () => {
    const readme = readFileSync(repoPath("knative/overlays/eks/README.md"), "utf8");
    const rows = [
      ...readme.matchAll(/^\| (db\.[a-z0-9.]+) +\| (\d+) GiB +\| ([\d,]+) +\| (\d+) +\|$/gm),
    ];
    expect(rows.map((r) => r[1])).toContain(EKS_CLASS.name);
    for (const [, , gib, max, pods] of rows) {
      expect(Number(max?.replace(",", ""))).toBe(rdsMaxConnections(Number(gib)));
      expect(Number(pods)).toBe(Math.floor(rdsBudget(Number(gib)) / (3 * ROLLOUT_FACTOR)));
    }
  });
});

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("database connections"), () => {
  const stand = {
    WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    API_TOKEN: "x".repeat(16),
  };

  it("regression: fits eks's functions into the documented RDS class, through a rollout", () => {
    const objects = renderOverlay("eks");
    const secrets = new Map([
      [
        "zixly-secrets",
        { ...stand, DATABASE_URL: "postgres://u:p@db:5432/z", REDIS_URL: "rediss://c:6379" },
      ],
    ]);
    const { connections } = demand(objects, secrets);
    // Before: pool 5 x 165 pods = 825, over every class up to 8 GiB once doubled.
    expect(connections).toBeLessThanOrEqual(rdsBudget(EKS_CLASS.memoryGiB));
    const readme = readFileSync(repoPath("knative/overlays/eks/README.md"), "utf8");
    expect(readme).toContain(EKS_CLASS.name);
    expect(readme.replace(/\s+/g, " ")).toContain(`${connections} connections`);
  });

  it("fits kind's functions into the in-cluster Postgres's max_connections", () => {
    const objects = renderOverlay("kind");
    const postgres = named(objects, "StatefulSet", "postgres").spec.template.spec.containers[0];
    const setting = (postgres.args ?? []).find((a: string) => a.startsWith("max_connections="));
    // Postgres's default is 100; superuser_reserved_connections (3) are not ours.
    const max = setting ? Number(setting.split("=")[1]) : 100;
    const { connections } = demand(objects, dataByName(objects, "Secret"));
    expect(connections).toBeLessThanOrEqual(max - 3);
  });
});
