// Starts cluster-standin.ts in a container of the air-gapped Node base, on the test's network,
// under the names pods use for the Broker's ingress and the Kubernetes API.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BANNER } from "../../../images/bundle.ts";
import type { Yaml } from "../../pod-run.ts";
import { docker, NODE_BASE, publishedPort } from "../docker.ts";
import type { ReceivedEvent } from "./cluster-standin.ts";

/** Where pods find the API server: KUBERNETES_SERVICE_HOST, as the kubelet injects it. */
export const KUBERNETES_HOST = "kubernetes.default.svc";
/** The service-account token the stand-in's API server takes (FakeKubeApi's). */
const TOKEN = "test";

export interface StandIn {
  /** The folder a pod mounts as its service account: token, ca.crt, namespace. */
  readonly serviceAccountDir: string;
  /** KUBERNETES_SERVICE_HOST and _PORT, for every pod. */
  readonly kubernetesEnv: Readonly<Record<string, string>>;
  /** Every CloudEvent the broker ingress received, in order. */
  events(): Promise<ReceivedEvent[]>;
  /** The Jobs the API server holds. */
  jobs(): Promise<Yaml[]>;
  /** Method, path and Authorization of every API request. */
  kubeRequests(): Promise<{ method: string; path: string; auth?: string }[]>;
}

/**
 * Bundles the stand-in, makes its TLS certificate (for the API server's DNS name) and a
 * service-account folder, and starts it as `name` on `network` with `brokerHost` as an alias.
 */
export async function startStandIn(
  name: string,
  network: string,
  brokerHost: string,
  namespace: string,
  scratchDir: string,
): Promise<StandIn> {
  const dir = join(scratchDir, "standin");
  const tls = join(dir, "tls");
  const account = join(dir, "serviceaccount");
  for (const d of [tls, account]) mkdirSync(d, { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL("./cluster-standin.ts", import.meta.url))],
    outfile: join(dir, "app", "cluster-standin.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // CommonJS packages bundled into an ES module still call require() for node's modules.
    banner: { js: BANNER },
    logLevel: "error",
  });
  // Self-signed, for the name pods dial; the pods trust it as their ca.crt.
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=kube-apiserver",
      "-addext",
      `subjectAltName=DNS:${KUBERNETES_HOST}`,
      "-keyout",
      join(tls, "tls.key"),
      "-out",
      join(tls, "tls.crt"),
    ],
    { stdio: "ignore" },
  );
  execFileSync("chmod", ["-R", "a+rX", dir]);
  writeFileSync(join(account, "token"), TOKEN, { mode: 0o644 });
  writeFileSync(join(account, "namespace"), namespace, { mode: 0o644 });
  writeFileSync(join(account, "ca.crt"), execFileSync("cat", [join(tls, "tls.crt")]), {
    mode: 0o644,
  });

  await docker([
    "run",
    "-d",
    "--name",
    name,
    "--network",
    network,
    "--network-alias",
    brokerHost,
    "--network-alias",
    KUBERNETES_HOST,
    "--read-only",
    "--volume",
    `${join(dir, "app")}:/standin:ro`,
    "--volume",
    `${tls}:/standin-tls:ro`,
    "--publish",
    "127.0.0.1::9000",
    NODE_BASE,
    "node",
    "/standin/cluster-standin.mjs",
  ]);
  const port = await publishedPort(name, 9000);
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`stand-in ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await get("/events").then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error("the cluster stand-in did not start in 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    serviceAccountDir: account,
    kubernetesEnv: { KUBERNETES_SERVICE_HOST: KUBERNETES_HOST, KUBERNETES_SERVICE_PORT: "443" },
    events: () => get("/events"),
    jobs: () => get("/jobs"),
    kubeRequests: () => get("/kube-requests"),
  };
}
