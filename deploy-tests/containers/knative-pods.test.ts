// The images as Kubernetes runs them: every Knative Service of knative/overlays/kind, its
// Postgres and Redis, and the backtest Job that dispatch-backtest creates, each started with
// exactly the user, read-only root, capabilities, environment, volumes and memory limit of its
// rendered pod spec (pod-run.ts). A stand-in container plays the Broker's ingress and the
// Kubernetes API; the test delivers events by the rendered Triggers, as the Broker would.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedHeaders } from "../../test-support/signed-webhook.ts";
import { kindClaimFolders } from "../kind-data.ts";
import { containerEnv, dockerRunArgs, type Yaml } from "../pod-run.ts";
import { type K8sObject, named, ofKind, renderOverlay, repoPath } from "../render.ts";
import { type Container, knativeServices } from "../workloads.ts";
import {
  docker,
  FUNCTIONS_IMAGE,
  figure,
  JOB_IMAGE,
  logsOf,
  POSTGRES_BASE,
  publishedPort,
  REDIS_BASE,
  run,
  skipReason,
  uniqueName,
} from "./docker.ts";
import type { ReceivedEvent } from "./standin/cluster-standin.ts";
import { type StandIn, startStandIn } from "./standin/stand-in.ts";

const TITLE = "Knative Services and the backtest Job as pods";
const skip = skipReason(TITLE);

const NAMESPACE = "zixly";
/** The images the render names, and the local images that stand for them. */
const IMAGES: Record<string, string> = {
  "dev.local/zixly/functions": FUNCTIONS_IMAGE,
  "dev.local/zixly/backtest-job": JOB_IMAGE,
  // No registry: the bases made from Debian packages stand for the official images.
  "postgres:16-bookworm": POSTGRES_BASE,
  "redis:7-bookworm": REDIS_BASE,
};

/** 60 x 50 = 3,000 combinations: two shards at the overlay's 2,000 per shard. */
const REQUEST = {
  strategy: "sma-crossover",
  params: { fast: { from: 1, to: 60, step: 1 }, slow: { from: 61, to: 110, step: 1 } },
  data: { synthetic: { bars: 300, seed: 7 } },
  sort: "sharpeRatio",
  label: "container test",
};
const COMBINATIONS = 3000;

interface Pod {
  readonly name: string;
  readonly container: string;
  readonly spec: Yaml;
  readonly main: Container;
  /** Host port of the container's first port, when published. */
  port?: number;
}

describe.skipIf(skip)(TITLE, () => {
  const objects: K8sObject[] = skip ? [] : renderOverlay("kind");
  // The data sets: the repository's data/, as kind.yaml mounts it behind the claim.
  const claims = kindClaimFolders(objects);
  const config = skip ? {} : named(objects, "ConfigMap", configMapName(objects)).data;
  const network = uniqueName("zixly-ct-net");
  const prefix = uniqueName("zixly-ct");
  const scratch = mkdtempSync(join(tmpdir(), "zixly-containers-"));
  const started: string[] = [];
  const pods = new Map<string, Pod>();
  let standIn: StandIn;

  /** Starts `container` of `spec` as `name`; the cluster's additions in `platformEnv`. */
  async function startPod(
    name: string,
    spec: Yaml,
    platformEnv: Record<string, string>,
    aliases: string[],
  ): Promise<Pod> {
    const main = spec.containers[0] as Container;
    const container = `${prefix}-${name}`;
    const ports = (main.ports ?? []).map((p: { containerPort: number }) => p.containerPort);
    const args = dockerRunArgs(spec, main, {
      name: container,
      namespace: NAMESPACE,
      network,
      aliases,
      images: IMAGES,
      objects,
      platformEnv: { ...standIn.kubernetesEnv, ...platformEnv },
      serviceAccountDir: standIn.serviceAccountDir,
      scratchDir: scratch,
      claims,
      publish: ports,
    });
    started.push(container);
    await docker(["run", ...args]);
    const pod: Pod = { name, container, spec, main };
    if (ports.length > 0) pod.port = await publishedPort(container, ports[0]);
    pods.set(name, pod);
    return pod;
  }

  /** Polls the pod's readinessProbe (httpGet or exec) until it passes; resolves in ms. */
  async function ready(pod: Pod, since: number): Promise<number> {
    const probe = pod.main.readinessProbe;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (await probePasses(pod, probe)) return performance.now() - since;
      const state = await docker(["inspect", "--format", "{{.State.Status}}", pod.container]);
      if (state !== "running") {
        throw new Error(`${pod.name} is ${state}, not ready:\n${await logsOf(pod.container)}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${pod.name} not ready in 90 s:\n${await logsOf(pod.container)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function probePasses(pod: Pod, probe: Yaml): Promise<boolean> {
    if (probe.httpGet) {
      // As the kubelet: a probe that takes longer than timeoutSeconds has failed.
      const signal = AbortSignal.timeout((probe.timeoutSeconds ?? 1) * 1000);
      return fetch(`http://127.0.0.1:${pod.port}${probe.httpGet.path}`, { signal }).then(
        (r) => r.status === 200,
        () => false,
      );
    }
    const ran = await run("docker", ["exec", pod.container, ...probe.exec.command], {
      timeoutMs: (probe.timeoutSeconds ?? 1) * 1000 + 5000,
    });
    return ran.code === 0;
  }

  /** Delivers `event` as the Broker does: to every Service whose Trigger matches its type. */
  async function deliver(event: ReceivedEvent): Promise<{ to: string; status: number }[]> {
    const type = event.headers["ce-type"];
    const out: { to: string; status: number }[] = [];
    for (const trigger of ofKind(objects, "Trigger")) {
      if (trigger.spec.filter?.attributes?.type !== type) continue;
      const to = trigger.spec.subscriber.ref.name as string;
      out.push({ to, status: await post(to, event) });
    }
    return out;
  }

  /** The Services that took a delivery with a 2xx, as the Broker counts success. */
  function accepted(deliveries: { to: string; status: number }[]): string[] {
    return deliveries.filter((d) => d.status >= 200 && d.status < 300).map((d) => d.to);
  }

  /** POSTs a CloudEvent in binary mode to a Service's container, as the Broker's dispatcher. */
  async function post(service: string, event: ReceivedEvent): Promise<number> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers)) {
      if (k.startsWith("ce-") || k === "content-type") headers[k] = v;
    }
    const res = await fetch(`http://127.0.0.1:${pods.get(service)!.port}/`, {
      method: "POST",
      headers,
      body: event.body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  async function eventsOfType(type: string, count = 1): Promise<ReceivedEvent[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = (await standIn.events()).filter((e) => e.headers["ce-type"] === type);
      if (found.length >= count) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${count} ${type} event(s) at the broker in 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function psql(sql: string): Promise<string> {
    const pg = pods.get("postgres")!.container;
    return docker(["exec", pg, "psql", "-U", "zixly", "-d", "zixly", "-At", "-c", sql]);
  }

  beforeAll(async () => {
    await docker(["network", "create", network]);
    const brokerHost = new URL(`http://${config.BROKER_INGRESS_HOST}`).hostname;
    started.push(`${prefix}-cluster`);
    standIn = await startStandIn(`${prefix}-cluster`, network, brokerHost, NAMESPACE, scratch);

    // The databases, from the render's StatefulSets, under their Services' names.
    for (const name of ["postgres", "redis"]) {
      const set = named(objects, "StatefulSet", name);
      const fqdn = `${name}.${NAMESPACE}.svc.cluster.local`;
      const t0 = performance.now();
      const pod = await startPod(name, set.spec.template.spec, {}, [name, fqdn]);
      figure(`${name} ready in ${(await ready(pod, t0)).toFixed(0)} ms`);
    }

    // Every Knative Service, started one after the other and then awaited together; what
    // Knative adds to the user's container: PORT and the K_* names.
    const waits: Promise<void>[] = [];
    for (const ksvc of knativeServices(objects)) {
      const name = ksvc.metadata.name;
      const t0 = performance.now();
      const pod = await startPod(
        name,
        ksvc.spec.template.spec,
        {
          PORT: String(ksvc.spec.template.spec.containers[0].ports[0].containerPort),
          K_SERVICE: name,
          K_CONFIGURATION: name,
          K_REVISION: `${name}-00001`,
        },
        [name],
      );
      waits.push(
        ready(pod, t0).then((ms) =>
          figure(`${name}: readinessProbe passed ${ms.toFixed(0)} ms after docker run`),
        ),
      );
    }
    await Promise.all(waits);
  }, 600_000);

  afterAll(async () => {
    if (started.length > 0) await run("docker", ["rm", "-f", "-v", ...started]);
    await run("docker", ["network", "rm", network]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs every Knative Service of the kind overlay, as its pod spec says", async () => {
    const services = knativeServices(objects).map((s) => s.metadata.name);
    expect(services.length).toBeGreaterThanOrEqual(7);
    for (const name of services) {
      const pod = pods.get(name)!;
      const security = pod.main.securityContext;
      // As the process sees it: its uid, a root it cannot write, the emptyDir it can.
      const probe = await run("docker", [
        "exec",
        pod.container,
        "bash",
        "-c",
        'id -u; id -g; touch /probe 2>/dev/null && echo root-writable; touch "$TMPDIR/probe" && echo tmp-writable; grep CapEff /proc/self/status',
      ]);
      expect(probe.stdout.split("\n").slice(0, 3), name).toEqual([
        String(security.runAsUser),
        String(security.runAsGroup),
        "tmp-writable",
      ]);
      expect(probe.stdout, `${name}: no capabilities`).toMatch(/CapEff:\s+0+\n/);
      const inspect = JSON.parse(await docker(["inspect", pod.container]))[0];
      expect(inspect.HostConfig.ReadonlyRootfs, name).toBe(security.readOnlyRootFilesystem);
      expect(inspect.HostConfig.SecurityOpt, name).toContain("no-new-privileges");
      expect(inspect.HostConfig.Memory, name).toBe(512 * 1024 * 1024);
      // Every variable of the spec, with its resolved value (secrets, ConfigMap, $(VAR)s).
      const expected = containerEnv(pod.main, objects, {
        name: pod.container,
        namespace: NAMESPACE,
      });
      for (const [k, v] of expected)
        expect(inspect.Config.Env, `${name} ${k}`).toContain(`${k}=${v}`);
      expect(expected.get("K_SINK"), name).toBe(
        `http://${config.BROKER_INGRESS_HOST}/${NAMESPACE}/default`,
      );
    }
  });

  /** The events of one run: `requested` carries the run id as its id, the others in data. */
  function ofRun(events: ReceivedEvent[], runId: string): ReceivedEvent[] {
    return events.filter((e) => e.headers["ce-id"] === runId || runIdOf(e) === runId);
  }

  /**
   * A signed webhook of `raw` through ingest-webhook, dispatch-backtest, the Job's pods and
   * record-result, to a run the api shows succeeded with every row stored once. Returns the
   * run's id, its Job as the API server holds it, and its view.
   */
  async function throughPods(
    raw: string,
    shards: number,
  ): Promise<{ runId: string; job: Yaml; view: Yaml }> {
    // 1. ingest-webhook: a signed webhook in, a backtest.requested to the broker's ingress.
    const secret = named(objects, "Secret", "zixly-secrets").stringData.WEBHOOK_SECRET;
    const t0 = performance.now();
    const response = await fetch(
      `http://127.0.0.1:${pods.get("ingest-webhook")!.port}/webhooks/backtest`,
      { method: "POST", headers: signedHeaders(secret, raw), body: raw },
    );
    const receipt = (await response.json()) as { runId: string };
    expect(response.status, JSON.stringify(receipt)).toBe(202);
    const { runId } = receipt;
    const requested = (await eventsOfType("com.zixly.backtest.requested.v1")).find(
      (e) => e.headers["ce-id"] === runId,
    );
    expect(requested?.path).toBe(`/${NAMESPACE}/default`);

    // 2. dispatch-backtest: creates the run's Indexed Job through the Kubernetes API, with the
    // pod's service-account token over TLS.
    const before = (await standIn.kubeRequests()).length;
    expect(accepted(await deliver(requested!))).toEqual(["dispatch-backtest"]);
    const job = (await standIn.jobs()).find((j) => j.metadata.labels["zixly.com/run-id"] === runId);
    expect(job?.metadata.namespace).toBe(NAMESPACE);
    expect(job.spec.completions).toBe(shards);
    expect(job.spec.template.spec.containers[0].image).toBe(config.JOB_IMAGE);
    const creates = (await standIn.kubeRequests()).slice(before).filter((r) => r.method === "POST");
    expect(creates).toEqual([
      { method: "POST", path: `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`, auth: "Bearer test" },
    ]);

    // 3. The Job: one container per index, with the pod template dispatch-backtest built and
    // the index the Job controller would set.
    const jobSpec = job.spec.template.spec;
    const indexes = Array.from({ length: job.spec.completions }, (_, i) => i);
    const jobPods = await Promise.all(
      indexes.map((i) =>
        startPod(`${job.metadata.name}-${i}`, jobSpec, { JOB_COMPLETION_INDEX: String(i) }, []),
      ),
    );
    for (const pod of jobPods) {
      const code = await docker(["wait", pod.container]);
      expect(code, await logsOf(pod.container)).toBe("0");
    }
    const inspect = JSON.parse(await docker(["inspect", jobPods[0].container]))[0];
    expect(inspect.Config.User).toBe("10001:10001");
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspect.HostConfig.CapDrop).toEqual(["ALL"]);
    // A pod exits after the broker took its last event: each shard's parts are all there.
    const events = ofRun(await standIn.events(), runId);
    const parts = new Map<number, Set<number>>();
    for (const event of events) {
      if (event.headers["ce-type"] !== "com.zixly.backtest.shard.completed.v1") continue;
      const { shard, part } = JSON.parse(event.body);
      parts.set(shard.index, (parts.get(shard.index) ?? new Set()).add(part.index));
      expect(parts.get(shard.index)!.size).toBeLessThanOrEqual(part.count);
    }
    expect([...parts.keys()].sort()).toEqual(indexes);

    // 4. record-result: every shard event the Jobs sent, delivered by the Triggers.
    for (const event of events) {
      if (!event.headers["ce-type"]?.startsWith("com.zixly.backtest.shard.")) continue;
      for (const { to, status } of await deliver(event)) expect(status, to).toBeLessThan(300);
    }
    const api = pods.get("api")!;
    const token = named(objects, "Secret", "zixly-secrets").stringData.API_TOKEN;
    const view = await fetch(`http://127.0.0.1:${api.port}/runs/${runId}`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.json() as Promise<Yaml>);
    expect(view).toMatchObject({ status: "succeeded", shards });
    const stored = `select count(*), count(distinct combo_index) from results where run_id = '${runId}'`;
    expect(await psql(stored)).toBe(`${view.combinations}|${view.combinations}`);
    figure(
      `webhook to succeeded run through the pods (${view.combinations} combinations, ${shards} shard(s)): ${(performance.now() - t0).toFixed(0)} ms`,
    );
    return { runId, job, view };
  }

  it("takes a signed webhook through every function and a two-shard Job to a succeeded run", async () => {
    const { runId, job, view } = await throughPods(JSON.stringify(REQUEST), 2);
    expect(view.combinations).toBe(COMBINATIONS);

    // 5. notify: the run's end, as its Trigger delivers it.
    const finished = ofRun(await eventsOfType("com.zixly.backtest.completed.v1"), runId)[0]!;
    expect(accepted(await deliver(finished))).toEqual(["notify"]);

    // 6. watch-jobs: the ApiServerSource's update of the Job, and the reaper's ping.
    const update: ReceivedEvent = {
      path: "/",
      headers: {
        "ce-specversion": "1.0",
        "ce-type": "dev.knative.apiserver.resource.update",
        "ce-source": "https://kubernetes.default.svc",
        "ce-id": `${job.metadata.uid}-1`,
        "ce-subject": `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${job.metadata.name}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ ...job, status: { succeeded: 2 } }),
    };
    expect(accepted(await deliver(update))).toEqual(["watch-jobs"]);
    const ping: ReceivedEvent = {
      path: "/",
      headers: {
        "ce-specversion": "1.0",
        "ce-type": "dev.knative.sources.ping",
        "ce-source": `/apis/v1/namespaces/${NAMESPACE}/pingsources/reaper`,
        "ce-id": "ping-1",
        "content-type": "application/json",
      },
      body: "{}",
    };
    expect(accepted(await deliver(ping))).toEqual(["watch-jobs"]);

    // 7. dead-letters: an event the Broker gave up on, with Knative's error extensions.
    const letter: ReceivedEvent = {
      path: "/",
      headers: {
        ...finished.headers,
        "ce-id": "dead-letter-1",
        "ce-knativeerrordest": "http://notify.zixly.svc.cluster.local",
        "ce-knativeerrorcode": "500",
      },
      body: finished.body,
    };
    expect(await post("dead-letters", letter)).toBeLessThan(300);
    expect(await psql("select count(*) from dead_letters")).toBe("1");
  });

  it("runs every example of examples/ that reads a data set, from the claim kind mounts", async () => {
    const examples = readdirSync(repoPath("examples")).filter((f) => f.endsWith(".json"));
    const withPath = examples.filter((f) => "path" in (readJson(`examples/${f}`).data ?? {}));
    expect(withPath.length).toBeGreaterThan(0);
    for (const file of withPath) {
      const { job } = await throughPods(readFileSync(repoPath(`examples/${file}`), "utf8"), 1);
      // The pods read the file from the claim, mounted read-only at /data.
      const mounts = job.spec.template.spec.containers[0].volumeMounts;
      expect(mounts).toContainEqual({ name: "data", mountPath: "/data", readOnly: true });
    }
  });
});

function readJson(relative: string): Yaml {
  return JSON.parse(readFileSync(repoPath(relative), "utf8"));
}

/** The run a shard or run event belongs to, from its data. */
function runIdOf(event: ReceivedEvent): string | undefined {
  try {
    return JSON.parse(event.body).runId;
  } catch {
    return undefined;
  }
}

/** The hashed name kustomize gave the zixly-config ConfigMap. */
function configMapName(objects: readonly K8sObject[]): string {
  const found = objects.find(
    (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("zixly-config"),
  );
  if (!found) throw new Error("no zixly-config ConfigMap in the render");
  return found.metadata.name;
}
