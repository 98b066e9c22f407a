// On eks every function reads the RDS password from a Secret volume the kubelet refreshes, never from env alone.
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../platform/config.ts";
import { databaseOptionsFrom } from "../platform/postgres/database-options.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  parseYamlDocuments,
  renderOverlay,
  repoPath,
} from "./render.ts";
import { type Container, containerEnv, dataByName, knativeServices } from "./workloads.ts";

/** Stand-ins for eks's zixly-secrets, which the repository does not ship: a URL without a password. */
const EKS_SECRETS = {
  WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  API_TOKEN: "a-token-of-sixteen-or-more",
  DATABASE_URL: "postgres://zixly@db.example.com:5432/zixly?sslmode=verify-full",
  DATABASE_PASSWORD: "rotated-by-rds",
  REDIS_URL: "rediss://:x@cache.example.com:6379",
};
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/** A pod volume, as far as a mounted Secret or ConfigMap goes. */
interface Volume {
  readonly name: string;
  readonly secret?: { readonly secretName: string; readonly items?: readonly KeyToPath[] };
  readonly configMap?: { readonly name: string; readonly items?: readonly KeyToPath[] };
}
interface KeyToPath {
  readonly key: string;
  readonly path: string;
}

/** Where a file a container opens comes from: its mount, the volume, and the key in it. */
interface MountedFile {
  readonly subPath: boolean;
  readonly source: "secret" | "configMap" | "other";
  readonly name?: string;
  readonly key?: string;
}

/** Resolves `file` through the pod's volume mounts, as the kubelet lays them out. */
function mountedFile(
  service: K8sObject,
  container: Container,
  file: string,
): MountedFile | undefined {
  const volumes: readonly Volume[] = service.spec.template.spec.volumes ?? [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.find((v) => v.name === mount.name);
    if (!volume) continue;
    if (mount.subPath) {
      if (mount.mountPath === file) return { subPath: true, source: "other" };
      continue;
    }
    if (posix.dirname(file) !== mount.mountPath) continue;
    const source = volume.secret ? "secret" : volume.configMap ? "configMap" : "other";
    const projection = volume.secret ?? volume.configMap;
    const items = projection?.items;
    const base = posix.basename(file);
    const key = items ? items.find((i) => i.path === base)?.key : base;
    return {
      subPath: false,
      source,
      name: volume.secret?.secretName ?? volume.configMap?.name,
      key,
    };
  }
  return undefined;
}

describe.skipIf(!HAS_KUBECTL)(
  kubectlTitle(
    "regression: on eks the RDS password was env-only, so a rotation locked new connections out until a restart (issue 11)",
  ),
  () => {
    const objects = HAS_KUBECTL ? renderOverlay("eks") : [];
    const configMaps = dataByName(objects, "ConfigMap");
    const secrets = new Map([["zixly-secrets", EKS_SECRETS as Record<string, string>]]);
    const functions = knativeServices(objects).map((service) => {
      const container = service.spec.template.spec.containers[0] as Container;
      return { service, container, env: containerEnv(service, container, configMaps, secrets) };
    });

    it("renders the functions, each of which opens the database", () => {
      expect(functions.length).toBeGreaterThanOrEqual(7);
      for (const { service, env } of functions)
        expect(env.DATABASE_URL, service.metadata.name).toBeDefined();
    });

    it("mounts the password as a Secret volume, without subPath, where DATABASE_PASSWORD_FILE points", () => {
      for (const { service, container, env } of functions) {
        const name = service.metadata.name;
        const file = env.DATABASE_PASSWORD_FILE;
        expect(file, `${name}: DATABASE_PASSWORD_FILE`).toBeDefined();
        // A subPath mount, or a value from env, is fixed for the pod's life: the bug.
        expect(mountedFile(service, container, file), name).toEqual({
          subPath: false,
          source: "secret",
          name: "zixly-secrets",
          key: "DATABASE_PASSWORD",
        });
      }
    });

    it("hands the password to no function through env: DATABASE_URL holds none, no variable takes the key", () => {
      for (const { service, container } of functions) {
        const fromSecrets = (container.env ?? []).flatMap((e) => {
          const ref = e.valueFrom?.secretKeyRef;
          return ref ? [`${ref.name}/${ref.key}`] : [];
        });
        expect(fromSecrets, service.metadata.name).not.toContain("zixly-secrets/DATABASE_PASSWORD");
        for (const from of container.envFrom ?? []) {
          expect(from.secretRef, `${service.metadata.name}: envFrom a Secret`).toBeUndefined();
        }
      }
    });

    it("gives every function database settings that start: the files it names are mounted and read", () => {
      for (const { service, container, env } of functions) {
        // The files as the pod would see them, from the mounted Secret and ConfigMap.
        const readFile = (path: string) => {
          const mounted = mountedFile(service, container, path);
          const data =
            mounted?.source === "secret"
              ? secrets.get(mounted.name ?? "")
              : mounted?.source === "configMap" && mounted.name === "rds-ca-bundle"
                ? { "global-bundle.pem": PEM }
                : undefined;
          const text = mounted?.key === undefined ? undefined : data?.[mounted.key];
          if (text === undefined) {
            throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
          }
          return text;
        };
        const options = databaseOptionsFrom(loadConfig(env), readFile);
        expect(options.password, service.metadata.name).toBeTypeOf("function");
        expect(options.ca, service.metadata.name).toBe(PEM);
      }
    });
  },
);

/** The pages that show how zixly-secrets is made: every ExternalSecret they give for it. */
const PAGES = ["terraform/README.md", "knative/overlays/eks/README.md", "docs/kubernetes.md"];

describe("the documented ExternalSecret of zixly-secrets", () => {
  const examples = PAGES.flatMap((page) => {
    const text = readFileSync(repoPath(page), "utf8");
    return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .flatMap((m) => parseYamlDocuments(m[1] ?? ""))
      .filter((o) => o.kind === "ExternalSecret" && o.spec?.target?.name === "zixly-secrets")
      .map((o) => ({ page, spec: o.spec }));
  });

  it("is given at least once", () => {
    expect(examples.map((e) => e.page)).toContain("terraform/README.md");
  });

  it("templates the password into its own key, and a DATABASE_URL without it", () => {
    for (const { page, spec } of examples) {
      const data = spec.target.template.data as Record<string, string>;
      expect(data.DATABASE_PASSWORD, page).toBe("{{ .password }}");
      expect(data.DATABASE_URL, page).not.toMatch(/password/);
      expect(new URL(data.DATABASE_URL.replace(/\{\{[^}]*\}\}|<[^>]+>/g, "x")).password, page).toBe(
        "",
      );
    }
  });

  it("refreshes within minutes, so a rotation reaches the pods before many connections fail", () => {
    const seconds = (interval: string) => {
      const m = /^(\d+)(s|m|h)$/.exec(interval);
      if (!m) throw new Error(`refreshInterval ${interval}`);
      return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
    };
    for (const { page, spec } of examples) {
      expect(seconds(spec.refreshInterval), page).toBeLessThanOrEqual(5 * 60);
    }
  });
});
