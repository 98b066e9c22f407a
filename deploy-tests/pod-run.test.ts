// The pod-spec-to-docker translation that the container tests rely on: if it dropped a field,
// those tests would run the images with less than the manifests say, and prove nothing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jobPodTemplate } from "./job-pod.ts";
import { kindClaimFolders } from "./kind-data.ts";
import { containerEnv, dockerBytes, dockerRunArgs, expand } from "./pod-run.ts";
import { HAS_KUBECTL, kubectlTitle, named, renderOverlay, repoPath } from "./render.ts";
import type { Container } from "./workloads.ts";

const scratch = mkdtempSync(join(tmpdir(), "zixly-pod-run-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every value of `flag` in `args`, in order. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

const BASE = {
  namespace: "zixly",
  network: "net",
  images: { "dev.local/zixly/functions": "zixly/functions:dev" },
  scratchDir: scratch,
};

describe("pod-run helpers", () => {
  it("expands $(VAR) from what came before, keeps unknown ones and unescapes $$(VAR)", () => {
    const defined = new Map([["HOST", "broker"]]);
    expect(expand("http://$(HOST)/$(NS)/x $$(HOST)", defined)).toBe(
      "http://broker/$(NS)/x $(HOST)",
    );
  });

  it("converts Kubernetes memory quantities and refuses others", () => {
    expect(dockerBytes("512Mi")).toBe("512m");
    expect(dockerBytes("1Gi")).toBe("1g");
    expect(() => dockerBytes("1.5G")).toThrow(/unsupported memory quantity/);
  });

  it("builds the environment in the kubelet's order: envFrom, env, then the platform's", () => {
    const container: Container = {
      name: "c",
      image: "i",
      envFrom: [{ configMapRef: { name: "cm" } }],
      env: [
        { name: "HOST", value: "override" },
        { name: "URL", value: "http://$(HOST)/$(NS)" },
        { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "SECRET", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        { name: "GONE", valueFrom: { secretKeyRef: { name: "s", key: "x", optional: true } } },
      ],
    };
    const objects = [
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "cm" },
        data: { HOST: "cm", A: "1" },
      },
      { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: btoa("shh") } },
    ];
    const env = containerEnv(
      container,
      objects,
      { name: "p", namespace: "zixly" },
      { PORT: "8080" },
    );
    expect(Object.fromEntries(env)).toEqual({
      HOST: "override",
      A: "1",
      // NS is defined after URL: left as written, as the kubelet does.
      URL: "http://override/$(NS)",
      NS: "zixly",
      SECRET: "shh",
      PORT: "8080",
    });
    const missing = {
      ...container,
      env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "nope" } } }],
    };
    expect(() => containerEnv(missing, objects, { name: "p", namespace: "zixly" })).toThrow(
      /s has no key nope/,
    );
  });
});

describe("dockerRunArgs on the Job's pod template", () => {
  const template = jobPodTemplate();
  const spec = template.spec!;
  const main = spec.containers[0] as Container;
  const args = dockerRunArgs(spec, main, {
    ...BASE,
    name: "bt-0",
    images: { "zixly/backtest-job": "zixly/backtest-job:dev" },
    objects: [],
    platformEnv: { JOB_COMPLETION_INDEX: "0" },
    serviceAccountDir: join(scratch, "sa"),
  });

  it("runs as the pod's user and group with fsGroup, a read-only root and no capabilities", () => {
    expect(values(args, "--user")).toEqual(["10001:10001"]);
    expect(values(args, "--group-add")).toEqual(["10001"]);
    expect(args).toContain("--read-only");
    expect(values(args, "--security-opt")).toEqual(["no-new-privileges"]);
    expect(values(args, "--cap-drop")).toEqual(["ALL"]);
  });

  it("passes every variable of the template and the index, and mounts /tmp as a sized tmpfs", () => {
    const env = values(args, "--env");
    for (const { name, value } of main.env ?? []) expect(env).toContain(`${name}=${value}`);
    expect(env).toContain("JOB_COMPLETION_INDEX=0");
    expect(values(args, "--tmpfs")).toEqual([
      expect.stringMatching(/^\/tmp:mode=1777,size=\d+[kmg]$/),
    ]);
    expect(values(args, "--memory")).toEqual([
      dockerBytes(main.resources!.limits!.memory as string),
    ]);
  });

  it("mounts no service-account token: the template turns it off", () => {
    expect(values(args, "--volume")).toEqual([]);
    expect(args.at(-1)).toBe("zixly/backtest-job:dev");
  });
});

describe(kubectlTitle("dockerRunArgs on the kind overlay"), () => {
  it.skipIf(!HAS_KUBECTL)(
    "gives Postgres its claim, the secret from the render and the pod's uid",
    () => {
      const objects = renderOverlay("kind");
      const set = named(objects, "StatefulSet", "postgres");
      const spec = set.spec.template.spec;
      const args = dockerRunArgs(spec, spec.containers[0], {
        ...BASE,
        name: "pg",
        images: { "postgres:16-bookworm": "zixly/postgres-base:15-bookworm" },
        objects,
        aliases: ["postgres"],
      });
      expect(values(args, "--user")).toEqual(["999:999"]);
      expect(values(args, "--tmpfs")).toContain(
        "/var/lib/postgresql/data:mode=2775,gid=999,uid=999",
      );
      expect(values(args, "--env")).toContain("POSTGRES_PASSWORD=dev-only-postgres-password");
      expect(values(args, "--network-alias")).toEqual(["postgres"]);
      // automountServiceAccountToken: false, and no secret volumes: nothing mounted from disk.
      expect(values(args, "--volume")).toEqual([]);
    },
  );

  it.skipIf(!HAS_KUBECTL)(
    "writes a secret volume's keys as files and mounts them read-only",
    () => {
      const objects = [
        { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { tok: btoa("abc") } },
      ];
      const spec = {
        volumes: [{ name: "v", secret: { secretName: "s" } }],
        containers: [
          {
            name: "c",
            image: "dev.local/zixly/functions",
            volumeMounts: [{ name: "v", mountPath: "/s" }],
          },
        ],
      };
      const args = dockerRunArgs(spec, spec.containers[0] as Container, {
        ...BASE,
        name: "sv",
        objects,
      });
      const [volume] = values(args, "--volume");
      expect(volume).toMatch(/:\/s:ro$/);
      expect(readFileSync(join(volume!.split(":")[0]!, "tok"), "utf8")).toBe("abc");
      expect(args.at(-1)).toBe("zixly/functions:dev");
    },
  );

  it.skipIf(!HAS_KUBECTL)(
    "mounts kind's data claim from the repository's data/, which holds every example's file",
    () => {
      const objects = renderOverlay("kind");
      const config = objects.find(
        (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("zixly-config"),
      );
      const claim = config?.data.JOB_DATA_CLAIM as string;
      const folders = kindClaimFolders(objects);
      expect(folders.get(claim)).toBe(repoPath("data").replace(/\/$/, ""));
      for (const file of readdirSync(repoPath("examples"))) {
        const path = JSON.parse(readFileSync(repoPath(`examples/${file}`), "utf8")).data?.path;
        if (path) expect(existsSync(join(folders.get(claim)!, path)), file).toBe(true);
      }
      const spec = {
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim, readOnly: true } }],
        containers: [
          {
            name: "c",
            image: "dev.local/zixly/functions",
            volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true }],
          },
        ],
      };
      const args = dockerRunArgs(spec, spec.containers[0] as Container, {
        ...BASE,
        name: "d",
        objects,
        claims: folders,
      });
      expect(values(args, "--volume")).toEqual([`${folders.get(claim)}:/data:ro`]);
    },
  );

  it("refuses runAsNonRoot without a user, and an image it has no local copy of", () => {
    const container = {
      name: "c",
      image: "elsewhere/image",
      securityContext: { runAsNonRoot: true },
    };
    const spec = { containers: [container] };
    expect(() => dockerRunArgs(spec, container, { ...BASE, name: "x", objects: [] })).toThrow(
      /runAsNonRoot without a non-zero runAsUser/,
    );
    const rooted = { ...container, securityContext: { runAsUser: 5 } };
    expect(() =>
      dockerRunArgs({ containers: [rooted] }, rooted, { ...BASE, name: "x", objects: [] }),
    ).toThrow(/no local image for elsewhere\/image/);
  });
});
