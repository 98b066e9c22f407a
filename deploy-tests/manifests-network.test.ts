// Who can reach what on a cluster: only ingest-webhook and api are public, every function that
// calls out to user URLs is fenced by an egress policy, the Jobs keep theirs, and the client
// address for allowIps is read past trusted proxies only.
import { readdirSync, readFileSync } from "node:fs";
import proxyaddr from "proxy-addr";
import { describe, expect, it } from "vitest";
import { jobPodTemplate } from "./job-pod.ts";
import {
  HAS_KUBECTL,
  type K8sObject,
  kubectlTitle,
  ofKind,
  renderOverlay,
  repoPath,
} from "./render.ts";
import { dataByName, knativeServices } from "./workloads.ts";

const OVERLAYS = ["kind", "eks"] as const;

/** The functions the ingress routes to; every other one is reached by the Broker only. */
const PUBLIC = new Set(["ingest-webhook", "api"]);

/** Private, loopback, link-local and shared ranges: no public-HTTPS rule may reach them. */
const NOT_PUBLIC_V4 = [
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
];
const NOT_PUBLIC_V6 = ["::1/128", "fc00::/7", "fe80::/10"];
const PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** An import of platform/outbound/guarded-fetch.ts, the one way we call user-supplied URLs. */
const IMPORTS_GUARDED_FETCH = /\bfrom\s+["'][^"']*\/guarded-fetch(\.ts)?["']/;

/**
 * Functions whose own sources (not tests) import guarded-fetch, plus notify by name: it sends
 * the callbacks, and must stay fenced whatever it imports.
 */
function functionsThatCallOut(): string[] {
  const found = new Set(["notify"]);
  const dirs = readdirSync(repoPath("functions"), { withFileTypes: true }).filter(
    (d) => d.isDirectory() && d.name !== "test-support",
  );
  for (const dir of dirs) {
    const files = readdirSync(repoPath(`functions/${dir.name}`)).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"),
    );
    for (const file of files) {
      const text = readFileSync(repoPath(`functions/${dir.name}/${file}`), "utf8");
      if (IMPORTS_GUARDED_FETCH.test(text)) found.add(dir.name);
    }
  }
  return [...found].sort();
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a label selector selects a pod with `labels` (Kubernetes' rules; empty selects all). */
function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    const isIn = has && (e.values ?? []).includes(labels[e.key]);
    return e.operator === "In" ? isIn : !isIn;
  });
  return byLabel && byExpression;
}

/** The labels of a Knative Service's pods: its template's, plus what Knative adds to every pod. */
function podLabels(service: K8sObject): Record<string, string> {
  return {
    ...(service.spec.template.metadata?.labels ?? {}),
    "serving.knative.dev/service": service.metadata.name,
    "serving.knative.dev/configuration": service.metadata.name,
  };
}

/** The NetworkPolicies that fence `labels`' egress. */
function egressPoliciesOf(objects: readonly K8sObject[], labels: Record<string, string>) {
  return ofKind(objects, "NetworkPolicy").filter(
    (p) => p.spec.policyTypes.includes("Egress") && selects(p.spec.podSelector, labels),
  );
}

/** Whether `cidr` lies inside one of `ranges` (IPv4 only; false for anything else). */
function insideV4(cidr: string, ranges: readonly string[]): boolean {
  const [address, bits] = cidr.split("/");
  if (!address.includes(".")) return false;
  const match = proxyaddr.compile(ranges.slice());
  return Number(bits) >= 8 && match(address, 0) && match(lastV4(address, Number(bits)), 0);
}

/** The last address of an IPv4 block. */
function lastV4(address: string, bits: number): string {
  const n = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const last = n + 2 ** (32 - bits) - 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(last / 2 ** shift) % 256).join(".");
}

interface Port {
  protocol?: string;
  port: number;
}
interface Peer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

/**
 * What one egress rule of a function that calls out may allow, by its destination: DNS to
 * kube-dns; HTTPS to public addresses; the data stores (pods or a private CIDR) on their
 * ports; and, where ALLOW_INSECURE_URLS=true only, plain-http ports anywhere. The reason a
 * rule fits none, or undefined when it fits one.
 */
function ruleRefusal(rule: { to?: Peer[]; ports?: Port[] }, insecure: boolean): string | undefined {
  const ports = (rule.ports ?? []).map((p) => p.port);
  if (!rule.to?.length) return "a rule without `to` allows every destination";
  if (ports.length === 0) return "a rule without `ports` allows every port";
  const only = (allowed: number[]) => ports.every((p) => allowed.includes(p));
  for (const peer of rule.to) {
    if (peer.namespaceSelector || peer.podSelector) {
      const ns = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
      const dns = ns === "kube-system" && peer.podSelector?.matchLabels?.["k8s-app"] === "kube-dns";
      const database =
        !peer.namespaceSelector &&
        peer.podSelector?.matchLabels?.["app.kubernetes.io/component"] === "database";
      if (dns && only([53])) continue;
      if (database && only([5432, 6379])) continue;
      return `pods ${JSON.stringify(peer)} on ${ports}`;
    }
    const block = peer.ipBlock;
    if (!block) return `an empty peer on ${ports}`;
    const except = block.except ?? [];
    if (block.cidr === "0.0.0.0/0" || block.cidr === "::/0") {
      const fenced = (block.cidr === "::/0" ? NOT_PUBLIC_V6 : NOT_PUBLIC_V4).every((r) =>
        except.includes(r),
      );
      if (fenced && only([443])) continue;
      if (insecure && only([80, 443, 8080])) continue;
      return `${block.cidr} (except ${except}) on ${ports}`;
    }
    if (insideV4(block.cidr, PRIVATE_V4) && only([5432, 6379])) continue;
    return `${block.cidr} on ${ports}`;
  }
  return undefined;
}

describe("functionsThatCallOut", () => {
  it("recognises an import of guarded-fetch, and not a mere mention or a neighbour", () => {
    const canonical = 'import { guardedFetch } from "../../platform/outbound/guarded-fetch.ts";';
    expect(IMPORTS_GUARDED_FETCH.test(canonical)).toBe(true);
    expect(IMPORTS_GUARDED_FETCH.test(canonical.replace(".ts", ""))).toBe(true);
    expect(IMPORTS_GUARDED_FETCH.test("// calls out through guarded-fetch.ts")).toBe(false);
    expect(IMPORTS_GUARDED_FETCH.test('from "../outbound/guarded-fetch-limits.ts"')).toBe(false);
  });

  it("finds notify, and only functions that exist", () => {
    const found = functionsThatCallOut();
    expect(found).toContain("notify");
    const dirs = readdirSync(repoPath("functions"));
    for (const name of found) expect(dirs).toContain(name);
  });
});

describe("ruleRefusal", () => {
  const https = {
    to: [{ ipBlock: { cidr: "0.0.0.0/0", except: NOT_PUBLIC_V4 } }],
    ports: [{ port: 443 }],
  };
  it("accepts public HTTPS, and refuses it once a private range is let through", () => {
    expect(ruleRefusal(https, false)).toBeUndefined();
    const leaky = { ...https, to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] };
    expect(ruleRefusal(leaky, false)).toMatch(/0.0.0.0\/0/);
    expect(ruleRefusal({ ...https, ports: [{ port: 22 }] }, false)).toBeDefined();
  });
  it("refuses a rule without ports or destinations, and plain http unless insecure", () => {
    expect(ruleRefusal({ to: https.to }, false)).toMatch(/every port/);
    expect(ruleRefusal({ ports: [{ port: 443 }] }, false)).toMatch(/every destination/);
    const http = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 8080 }] };
    expect(ruleRefusal(http, false)).toBeDefined();
    expect(ruleRefusal(http, true)).toBeUndefined();
  });
  it("accepts the data stores in a private CIDR on their ports only", () => {
    const stores = {
      to: [{ ipBlock: { cidr: "10.0.0.0/16" } }],
      ports: [{ port: 5432 }, { port: 6379 }],
    };
    expect(ruleRefusal(stores, false)).toBeUndefined();
    expect(
      ruleRefusal({ ...stores, to: [{ ipBlock: { cidr: "52.0.0.0/16" } }] }, false),
    ).toBeDefined();
    expect(
      ruleRefusal({ ...stores, to: [{ ipBlock: { cidr: "10.0.0.0/7" } }] }, false),
    ).toBeDefined();
    expect(ruleRefusal({ ...stores, ports: [{ port: 443 }] }, false)).toBeDefined();
  });
});

describe.skipIf(!HAS_KUBECTL)(kubectlTitle("network exposure"), () => {
  describe.each(OVERLAYS)("overlay %s", (overlay) => {
    const objects: K8sObject[] = HAS_KUBECTL ? renderOverlay(overlay) : [];
    const services = knativeServices(objects);
    const [config] = [...dataByName(objects, "ConfigMap").values()];

    it("makes every function but ingest-webhook and api cluster-local", () => {
      expect(services.map((s) => s.metadata.name)).toEqual(expect.arrayContaining([...PUBLIC]));
      for (const s of services) {
        // Knative reads the label on the Service (and its Route), not on the pod template.
        const visibility = s.metadata.labels?.["networking.knative.dev/visibility"];
        if (PUBLIC.has(s.metadata.name)) expect(visibility, s.metadata.name).toBeUndefined();
        else expect(visibility, s.metadata.name).toBe("cluster-local");
      }
    });

    it("fences each function that calls out with an egress policy of its own", () => {
      for (const name of functionsThatCallOut()) {
        const service = services.find((s) => s.metadata.name === name);
        expect(service, name).toBeDefined();
        const policies = egressPoliciesOf(objects, podLabels(service as K8sObject));
        expect(
          policies.length,
          `${name}: no egress NetworkPolicy selects its pods`,
        ).toBeGreaterThan(0);
        for (const policy of policies) {
          // Its rules (databases, callbacks) are this function's: no other function inherits them.
          const others = services.filter(
            (s) => s.metadata.name !== name && selects(policy.spec.podSelector, podLabels(s)),
          );
          expect(
            others.map((s) => s.metadata.name),
            policy.metadata.name,
          ).toEqual([]);
        }
      }
    });

    it("lets a function that calls out reach DNS, public HTTPS and its data stores, and nothing else", () => {
      const insecure = config.ALLOW_INSECURE_URLS === "true";
      for (const name of functionsThatCallOut()) {
        const service = services.find((s) => s.metadata.name === name) as K8sObject;
        for (const policy of egressPoliciesOf(objects, podLabels(service))) {
          const rules = policy.spec.egress ?? [];
          for (const rule of rules)
            expect(ruleRefusal(rule, insecure), policy.metadata.name).toBeUndefined();
          // And enough to work: names, callbacks, Postgres and Redis.
          const ports = new Set(
            rules.flatMap((r: { ports: Port[] }) => r.ports.map((p) => p.port)),
          );
          for (const port of [53, 443, 5432, 6379])
            expect(ports.has(port), `${name}: port ${port}`).toBe(true);
          expect(ports.has(8080), `${name}: plain http only where insecure`).toBe(insecure);
        }
      }
    });

    it("keeps the backtest Jobs fenced: the pods the launcher builds are selected for ingress and egress", () => {
      const labels = jobPodTemplate().metadata?.labels ?? {};
      const policies = ofKind(objects, "NetworkPolicy").filter((p) =>
        selects(p.spec.podSelector, labels),
      );
      expect(policies.map((p) => p.metadata.name)).toEqual(["backtest-jobs"]);
      expect([...policies[0].spec.policyTypes].sort()).toEqual(["Egress", "Ingress"]);
    });

    it("trusts queue-proxy and the pod network for client addresses, and no public address", () => {
      const entries = config.TRUSTED_PROXIES.split(",");
      expect(entries).toContain("loopback");
      const trusted = proxyaddr.compile(entries);
      for (const hop of ["127.0.0.1", "::1"]) expect(trusted(hop, 0), hop).toBe(true);
      for (const client of ["203.0.113.7", "198.51.100.9", "8.8.8.8", "2001:db8::1"]) {
        expect(trusted(client, 0), client).toBe(false);
      }
      for (const entry of entries.filter((e) => e !== "loopback")) {
        expect(insideV4(entry, PRIVATE_V4), `${entry} is not a private range`).toBe(true);
      }
      // Through Kourier: a forged leading entry, the client Envoy saw, Envoy's pod, then
      // queue-proxy on loopback. The client is the nearest untrusted address.
      const [podNetwork] = entries.filter((e) => e !== "loopback");
      const envoy = podNetwork.split("/")[0].replace(/\.\d+$/, ".12");
      const request = {
        socket: { remoteAddress: "127.0.0.1" },
        headers: { "x-forwarded-for": `1.2.3.4, 198.51.100.9, ${envoy}` },
      };
      expect(proxyaddr(request as never, trusted)).toBe("198.51.100.9");
    });
  });

  it("sets kind's pod subnet and a private placeholder for eks", () => {
    const value = (overlay: "kind" | "eks") =>
      [...dataByName(renderOverlay(overlay), "ConfigMap").values()][0].TRUSTED_PROXIES;
    expect(value("kind")).toBe("loopback,10.244.0.0/16");
    // A placeholder for the VPC's CIDR (and any secondary one): ranges, not addresses.
    expect(value("eks")).toMatch(/^loopback(,\d+\.\d+\.\d+\.\d+\/\d+)+$/);
  });
});
