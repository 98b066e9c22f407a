// Metrics collection and the Grafana dashboard: every PromQL expression of the dashboard names
// only metrics the code defines (or Knative's own, listed below), compose's Prometheus scrapes
// every function, and the kind overlay ships the same dashboard file and the functions'
// PodMonitor. Sources: docs/metrics.md, deploy/grafana, deploy/prometheus.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigSchema, loadConfig } from "../platform/config.ts";
import { jobLabels } from "../platform/launchers/job-spec.ts";
import "../platform/metrics/metrics.ts";
import { METRICS_PATH } from "../platform/metrics/metrics-endpoint.ts";
import { metricsRegistry } from "../platform/metrics/registry.ts";
import "../platform/metrics/runs-in-flight.ts";
import { validateObject } from "./models.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  named,
  readYamlFile,
  renderOverlay,
  repoPath,
} from "./render.ts";
import { dataByName, isGrafanaDashboard, knativeServices, podTemplates } from "./workloads.ts";

/** The one dashboard file: compose's Grafana provisions it, the kind overlay ships it. */
const DASHBOARD_FILE = "deploy/grafana/dashboards/zixly.json";
const PROMETHEUS_CONFIG = "deploy/prometheus/prometheus.yml";

/**
 * Metrics the dashboard may query that our code does not define: Knative Serving's own, by the
 * component that exports them. Before Knative 1.19 (OpenCensus, knative.dev/docs
 * serving/observability/metrics/serving-metrics): component-prefixed names. From 1.19
 * (OpenTelemetry, knative/serving pkg/autoscaler/metrics): kn.revision.pods.*, which
 * Prometheus sees with underscores.
 */
const EXTERNAL_METRICS: Readonly<Record<string, string>> = {
  autoscaler_actual_pods: "Knative Serving autoscaler (before 1.19)",
  autoscaler_desired_pods: "Knative Serving autoscaler (before 1.19)",
  activator_request_count: "Knative Serving activator (before 1.19)",
  kn_revision_pods_count: "Knative Serving autoscaler (1.19 and later)",
  kn_revision_pods_desired: "Knative Serving autoscaler (1.19 and later)",
};

/** Metrics of the code that the dashboard leaves out, and why. */
const NOT_ON_DASHBOARD: Readonly<Record<string, string>> = {
  zixly_broker_deliveries_total:
    "the embedded broker of `npm start` only: compose's broker serves no metrics, Knative's broker has its own",
};

/** PromQL functions and aggregations the dashboard may call; anything else is a typo. */
const PROMQL_FUNCTIONS = new Set([
  "abs",
  "avg",
  "avg_over_time",
  "ceil",
  "clamp_max",
  "clamp_min",
  "count",
  "delta",
  "floor",
  "histogram_quantile",
  "increase",
  "irate",
  "label_replace",
  "max",
  "max_over_time",
  "min",
  "min_over_time",
  "quantile",
  "rate",
  "round",
  "sort_desc",
  "sum",
  "topk",
  "vector",
]);

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

/**
 * The metric names and the functions of a PromQL expression. Strings, label matchers `{...}`,
 * ranges `[...]` and grouping lists `by (...)` are dropped first, so label names and values,
 * durations and Grafana's `$__rate_interval` never count; of the identifiers left, those
 * followed by `(` are functions and the rest metric names.
 */
function promqlNames(expr: string): { metrics: string[]; functions: string[] } {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/\[[^\]]*\]/g, "[]")
    // `sum by (le) (x)` becomes `sum (x)`, so that sum is still a call.
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const metrics = new Set<string>();
  const functions = new Set<string>();
  for (const [, name, call] of bare.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (KEYWORDS.has(name.toLowerCase())) continue;
    (call ? functions : metrics).add(name);
  }
  return { metrics: [...metrics], functions: [...functions] };
}

/** The label names an expression groups by or matches on. */
function promqlLabels(expr: string): { grouping: string[]; matched: string[] } {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const grouping = [...noStrings.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]
      .split(",")
      .map((l) => l.trim())
      .filter(Boolean),
  );
  const matched = [...noStrings.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
    [...m[1].matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]),
  );
  return { grouping, matched };
}

/** The metrics the code registers (ours and prom-client's defaults), with type and labels. */
const DEFINED = new Map(
  metricsRegistry.getMetricsAsArray().map((m) => [
    m.name,
    {
      type: String(m.type),
      labels: (m as unknown as { labelNames?: string[] }).labelNames ?? [],
    },
  ]),
);

/** The defined metric a series name belongs to: itself, or a histogram's _bucket/_sum/_count. */
function definedMetric(series: string): string | undefined {
  if (DEFINED.has(series)) return series;
  const match = /^(.*)_(bucket|sum|count)$/.exec(series);
  return match && DEFINED.get(match[1])?.type === "histogram" ? match[1] : undefined;
}

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly datasource?: { type: string; uid: string };
}

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title?: string;
  readonly description?: string;
  readonly datasource?: { type: string; uid: string };
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly targets?: Target[];
  readonly panels?: Panel[];
}

const dashboardText = readFileSync(repoPath(DASHBOARD_FILE), "utf8");
const dashboard = JSON.parse(dashboardText) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
};
/** Every panel, those inside collapsed rows included; rows themselves left out. */
const panels: Panel[] = dashboard.panels
  .flatMap((p) => [p, ...(p.panels ?? [])])
  .filter((p) => p.type !== "row");
const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  volumes?: string[];
  ports?: string[];
  networks?: unknown;
}
const compose = readYamlFile("docker-compose.yml") as { services: Record<string, ComposeService> };
const services = compose.services;

/** The function folders, as functions/serve.ts runs them: one compose service each. */
const FUNCTIONS = readdirSync(repoPath("functions"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== "test-support")
  .map((d) => d.name)
  .sort();

/** A .env file's variables. */
function envFile(relative: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(repoPath(relative), "utf8").split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) out[match[1]] = match[2];
  }
  return out;
}

/** The METRICS_PORT a compose function container listens on, as loadConfig reads it. */
function composeMetricsPort(name: string): number {
  const service = services[name];
  const env = Object.assign({}, ...(service.env_file ?? []).map(envFile), service.environment);
  return loadConfig(env).METRICS_PORT;
}

/** Compose's short volume syntax `source:target[:mode]`, split. */
function mounts(service: ComposeService): { source: string; target: string; mode?: string }[] {
  return (service.volumes ?? []).map((v) => {
    const [source, target, mode] = v.split(":");
    return { source, target, mode };
  });
}

const promtoolPresent = (() => {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("promqlNames", () => {
  it("finds metric names, not functions, labels, durations or numbers", () => {
    expect(
      promqlNames(
        'histogram_quantile(0.99, sum by (le, function) (rate(zixly_handler_duration_seconds_bucket{function!~"a|b"}[5m])))',
      ),
    ).toEqual({
      metrics: ["zixly_handler_duration_seconds_bucket"],
      functions: ["histogram_quantile", "sum", "rate"],
    });
    expect(
      promqlNames("sum(rate(a_total[$__rate_interval])) / sum(rate(b_count[1h] offset 1d))"),
    ).toMatchObject({ metrics: ["a_total", "b_count"] });
    expect(promqlNames("max by (status) (zixly_runs_in_flight) > 1e4").metrics).toEqual([
      "zixly_runs_in_flight",
    ]);
  });
});

describe(DASHBOARD_FILE, () => {
  it("is a Grafana dashboard with a fixed uid and an importable data source reference", () => {
    expect(dashboard.uid).toBe("zixly-pipelines");
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    // Provisioned as is, never imported through the UI: no ${DS_...} inputs to fill in.
    expect(dashboardText).not.toContain("${DS_");
    expect(dashboardText).not.toContain("__inputs");
    for (const p of panels)
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "prometheus" });
    for (const { panel, target } of targets) {
      expect(target.datasource ?? panel.datasource, panel.title).toEqual({
        type: "prometheus",
        uid: "prometheus",
      });
    }
  });

  it("gives every panel a unique id, a title, a place on the grid and at least one query", () => {
    const ids = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const p of panels) {
      expect(p.title?.trim(), `panel ${p.id}`).toBeTruthy();
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
      for (const t of p.targets ?? []) expect(t.expr?.trim(), p.title).toBeTruthy();
    }
  });

  it("queries only metrics the code defines, or Knative's listed in EXTERNAL_METRICS", () => {
    const unknown: string[] = [];
    for (const { panel, target } of targets) {
      for (const name of promqlNames(target.expr).metrics) {
        if (!definedMetric(name) && !(name in EXTERNAL_METRICS)) {
          unknown.push(`${panel.title} ${target.refId}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it.skipIf(!promtoolPresent)(
    `parses as PromQL, every expression (promtool check rules)${promtoolPresent ? "" : " (skipped: promtool is not installed)"}`,
    () => {
      // Each expression as a recording rule: promtool parses rules offline. JSON is YAML.
      const dir = mkdtempSync(join(tmpdir(), "zixly-dashboard-"));
      const file = join(dir, "rules.yml");
      const rules = targets.map(({ target }, i) => ({
        record: `dashboard:expr_${i}`,
        expr: target.expr,
      }));
      writeFileSync(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
      try {
        const out = execFileSync("promtool", ["check", "rules", file], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
        expect(out).toContain(`SUCCESS: ${rules.length} rules found`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("calls only PromQL functions it knows (a misspelt one would fail at query time)", () => {
    for (const { panel, target } of targets) {
      for (const fn of promqlNames(target.expr).functions) {
        expect(PROMQL_FUNCTIONS.has(fn), `${panel.title}: ${fn}(`).toBe(true);
      }
    }
  });

  it("groups and matches our metrics by labels they have, and names only those in legends", () => {
    for (const { panel, target } of targets) {
      const metrics = promqlNames(target.expr).metrics.map(definedMetric);
      if (metrics.some((m) => m === undefined)) continue; // Knative's: labels not known here
      const names = metrics as string[];
      const available = new Set(names.flatMap((m) => DEFINED.get(m)?.labels ?? []));
      if (names.some((m) => DEFINED.get(m)?.type === "histogram")) available.add("le");
      const { grouping, matched } = promqlLabels(target.expr);
      for (const label of [...grouping, ...matched]) {
        expect(available.has(label), `${panel.title} ${target.refId}: ${label}`).toBe(true);
      }
      for (const [, label] of (target.legendFormat ?? "").matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
        expect(grouping, `${panel.title} ${target.refId}: legend {{${label}}}`).toContain(label);
      }
    }
  });

  it("shows every zixly_ metric of the code, but those NOT_ON_DASHBOARD says why not", () => {
    const queried = new Set(
      targets.flatMap(({ target }) => promqlNames(target.expr).metrics.map(definedMetric)),
    );
    const ours = [...DEFINED.keys()].filter((m) => m.startsWith("zixly_"));
    expect(ours.length).toBeGreaterThanOrEqual(13);
    expect(ours.filter((m) => !queried.has(m) && !(m in NOT_ON_DASHBOARD))).toEqual([]);
    expect(Object.keys(NOT_ON_DASHBOARD).filter((m) => queried.has(m))).toEqual([]);
  });

  it("uses every external metric it lists, and says on the panel that Knative exports it", () => {
    const used = new Set<string>();
    for (const { panel, target } of targets) {
      const external = promqlNames(target.expr).metrics.filter((m) => m in EXTERNAL_METRICS);
      for (const m of external) used.add(m);
      if (external.length > 0) {
        expect(panel.description, panel.title).toMatch(/Knative Serving's own/);
        expect(panel.description, panel.title).toMatch(/docker compose/);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(EXTERNAL_METRICS).sort());
  });
});

describe("docker compose: Prometheus and Grafana", () => {
  const prometheus = services.prometheus;
  const grafana = services.grafana;
  const promConfig = readYamlFile(PROMETHEUS_CONFIG) as {
    scrape_configs: {
      job_name: string;
      metrics_path?: string;
      static_configs?: { targets: string[] }[];
    }[];
  };

  it("runs pinned prom/prometheus and grafana/grafana images, never latest", () => {
    expect(prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });

  it("mounts deploy/prometheus/prometheus.yml read-only where --config.file points", () => {
    const flag = prometheus.command?.find((a) => a.startsWith("--config.file="));
    const target = flag?.slice("--config.file=".length);
    expect(mounts(prometheus)).toContainEqual({
      source: `./${PROMETHEUS_CONFIG}`,
      target,
      mode: "ro",
    });
  });

  it("scrapes every function container on its METRICS_PORT by service name, and nothing else", () => {
    const scraped = promConfig.scrape_configs
      .filter((c) => c.job_name !== "prometheus")
      .flatMap((c) => {
        expect(c.metrics_path ?? "/metrics", c.job_name).toBe(METRICS_PATH);
        return (c.static_configs ?? []).flatMap((s) => s.targets);
      });
    expect([...scraped].sort()).toEqual(
      FUNCTIONS.map((name) => `${name}:${composeMetricsPort(name)}`).sort(),
    );
    for (const name of FUNCTIONS) {
      // functions/serve.ts refuses a METRICS_PORT equal to PORT; 8080 is the compose PORT.
      expect(composeMetricsPort(name), name).not.toBe(8080);
      // One network: the project's default, which none of them overrides.
      expect(services[name].networks, name).toEqual(prometheus.networks);
    }
  });

  it.skipIf(!promtoolPresent)(
    `passes promtool check config${promtoolPresent ? "" : " (skipped: promtool is not installed)"}`,
    () => {
      const out = execFileSync("promtool", ["check", "config", repoPath(PROMETHEUS_CONFIG)], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(out).toContain("SUCCESS");
    },
  );

  it("provisions the Prometheus data source with the uid the dashboard names", () => {
    const config = readYamlFile("deploy/grafana/provisioning/datasources/prometheus.yml") as {
      datasources: { type: string; uid: string; url: string }[];
    };
    expect(config.datasources).toContainEqual(
      expect.objectContaining({
        type: "prometheus",
        uid: "prometheus",
        url: "http://prometheus:9090",
      }),
    );
    expect(services.prometheus).toBeDefined();
  });

  it("loads the dashboards folder read-only from where the file provider looks", () => {
    const provider = readYamlFile("deploy/grafana/provisioning/dashboards/zixly.yml") as {
      providers: { type: string; options: { path: string } }[];
    };
    const [files] = provider.providers;
    expect(files.type).toBe("file");
    expect(mounts(grafana)).toContainEqual({
      source: `./${DASHBOARD_FILE.slice(0, DASHBOARD_FILE.lastIndexOf("/"))}`,
      target: files.options.path,
      mode: "ro",
    });
    expect(mounts(grafana)).toContainEqual({
      source: "./deploy/grafana/provisioning",
      target: "/etc/grafana/provisioning",
      mode: "ro",
    });
  });

  it("publishes Grafana on localhost only, anonymous viewers, admin password from the environment", () => {
    expect(grafana.ports).toEqual(["127.0.0.1:3000:3000"]);
    for (const port of prometheus.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    expect(grafana.environment?.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe("Viewer");
    expect(grafana.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD/);
  });
});

describe("the PodMonitor check of deploy-tests/models.ts", () => {
  const file = readYamlFile("knative/overlays/kind-monitoring/podmonitor.yaml") as K8sObject;

  it("passes knative/overlays/kind-monitoring/podmonitor.yaml", () => {
    expect(() => validateObject(file)).not.toThrow();
  });

  it("fails a misspelt field, an empty selector, or a replace without a target label", () => {
    /** A copy of the file that `mutate` may change, top-level fields included. */
    type Editable = { -readonly [Field in keyof K8sObject]: K8sObject[Field] };
    const broken = (mutate: (o: Editable) => void) => {
      const copy: Editable = structuredClone(file);
      mutate(copy);
      return () => validateObject(copy);
    };
    expect(
      broken((o) => {
        o.spec.podMetricEndpoints = o.spec.podMetricsEndpoints;
        delete o.spec.podMetricsEndpoints;
      }),
    ).toThrow();
    expect(broken((o) => (o.spec.selector = {}))).toThrow(/empty selector/);
    expect(broken((o) => delete o.spec.podMetricsEndpoints[0].relabelings[0].targetLabel)).toThrow(
      /targetLabel/,
    );
    expect(broken((o) => (o.spec.podMetricsEndpoints[0].path = "metrics"))).toThrow();
    expect(broken((o) => (o.apiVersion = "monitoring.coreos.com/v1beta1"))).toThrow(/no model/);
  });
});

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("observability in the rendered manifests"), () => {
  const rendered = {
    kind: HAS_KUBECTL ? renderOverlay("kind") : [],
    eks: HAS_KUBECTL ? renderOverlay("eks") : [],
    // kind plus the PodMonitor, for clusters that run the Prometheus Operator.
    monitoring: HAS_KUBECTL ? renderOverlay("kind-monitoring") : [],
  };
  const defaultPort = ConfigSchema.shape.METRICS_PORT.parse(undefined);

  /** Whether a label selector (matchLabels only, as ours) selects these labels. */
  function selects(selector: { matchLabels?: Record<string, string> }, labels = {}): boolean {
    expect(Object.keys(selector)).toEqual(["matchLabels"]);
    const have = labels as Record<string, string>;
    return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => have[k] === v);
  }

  it.each(["kind", "eks"] as const)(
    "annotates every function's revision template for Prometheus (overlay %s)",
    (overlay) => {
      const objects: K8sObject[] = rendered[overlay];
      // Nothing overrides the default port, so the annotation and the server agree.
      for (const data of dataByName(objects, "ConfigMap").values()) {
        expect(data.METRICS_PORT).toBeUndefined();
      }
      for (const s of knativeServices(objects)) {
        const env = s.spec.template.spec.containers[0].env as { name: string }[];
        expect(env.map((e) => e.name)).not.toContain("METRICS_PORT");
        expect(s.spec.template.metadata.annotations, s.metadata.name).toMatchObject({
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(defaultPort),
          "prometheus.io/path": METRICS_PATH,
        });
      }
    },
  );

  describe("kind", () => {
    const objects: K8sObject[] = rendered.kind;

    it("ships deploy/grafana/dashboards/zixly.json byte for byte, for Grafana's sidecar", () => {
      const dashboards = objects.filter(isGrafanaDashboard);
      expect(dashboards.map((d) => d.metadata.name)).toEqual(["zixly-dashboard"]);
      const [configMap] = dashboards;
      expect(configMap.metadata.labels?.grafana_dashboard).toBe("1");
      expect(configMap.data).toEqual({ "zixly.json": dashboardText });
      // `kubectl apply` keeps the whole object in an annotation limited to 256 KiB.
      expect(Buffer.byteLength(dashboardText)).toBeLessThan(200 * 1024);
    });

    it("leaves the PodMonitor to kind-monitoring, so a cluster without the operator applies", () => {
      expect(objects.filter((o) => o.kind === "PodMonitor")).toEqual([]);
      expect(rendered.monitoring.filter((o) => o.kind === "PodMonitor")).toHaveLength(1);
    });

    it("has a PodMonitor that selects every function pod, and no database or Job pod", () => {
      const monitor = named(rendered.monitoring, "PodMonitor", "zixly-functions");
      expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
      const selector = monitor.spec.selector;
      for (const pod of podTemplates(objects)) {
        const labels = pod.owner.spec.template.metadata?.labels ?? {};
        expect(selects(selector, labels), pod.id).toBe(pod.id.startsWith("ksvc/"));
      }
      expect(selects(selector, jobLabels("run_aaaaaaaaaaaaaaaaaaaaaaaaaa"))).toBe(false);
    });

    it("scrapes each function pod's IP on METRICS_PORT through Knative's one declared port", () => {
      const monitor = named(rendered.monitoring, "PodMonitor", "zixly-functions");
      expect(monitor.spec.podMetricsEndpoints).toHaveLength(1);
      const [endpoint] = monitor.spec.podMetricsEndpoints;
      // The name Knative gives the user container's port on the revision's Deployment.
      expect(endpoint.port).toBe("user-port");
      expect(endpoint.path).toBe(METRICS_PATH);
      expect(endpoint.relabelings).toContainEqual({
        sourceLabels: ["__meta_kubernetes_pod_ip"],
        targetLabel: "__address__",
        replacement: `$1:${defaultPort}`,
      });
    });
  });
});
