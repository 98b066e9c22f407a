// A schema for the Prometheus Operator's PodMonitor (monitoring.coreos.com/v1), a CRD that
// kubernetes-models does not ship. Not the whole CRD: the fields the operator documents for
// the parts we use, strict, so that a misspelt field fails here instead of being pruned by the
// API server and silently scraping nothing.
import { z } from "zod";

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name");
const duration = z.string().regex(/^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/);
const RELABEL_ACTIONS = [
  "replace",
  "keep",
  "drop",
  "hashmod",
  "labelmap",
  "labeldrop",
  "labelkeep",
  "lowercase",
  "uppercase",
  "keepequal",
  "dropequal",
];

const relabeling = z
  .strictObject({
    sourceLabels: z.array(labelName).optional(),
    separator: z.string().optional(),
    targetLabel: z.string().min(1).optional(),
    regex: z.string().optional(),
    modulus: z.int().positive().optional(),
    replacement: z.string().optional(),
    // The CRD accepts both spellings, `replace` and `Replace`.
    action: z
      .string()
      .refine((a) => RELABEL_ACTIONS.includes(a.toLowerCase()), "an unknown relabel action")
      .optional(),
  })
  .refine(
    (r) => !["replace", "hashmod"].includes(r.action?.toLowerCase() ?? "replace") || r.targetLabel,
    "a replace or hashmod relabeling needs a targetLabel",
  );

const selector = z
  .strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z.strictObject({
          key: z.string().min(1),
          operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
          values: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  })
  .refine(
    (s) => Object.keys(s.matchLabels ?? {}).length + (s.matchExpressions ?? []).length > 0,
    "an empty selector selects every pod of the namespace",
  );

const podMetricsEndpoint = z.strictObject({
  port: z.string().min(1).optional(),
  portNumber: z.int().min(1).max(65535).optional(),
  targetPort: z.union([z.string().min(1), z.int().min(1).max(65535)]).optional(),
  path: z.string().startsWith("/").optional(),
  scheme: z.enum(["http", "https", "HTTP", "HTTPS"]).optional(),
  params: z.record(z.string(), z.array(z.string())).optional(),
  interval: duration.optional(),
  scrapeTimeout: duration.optional(),
  honorLabels: z.boolean().optional(),
  honorTimestamps: z.boolean().optional(),
  trackTimestampsStaleness: z.boolean().optional(),
  filterRunning: z.boolean().optional(),
  followRedirects: z.boolean().optional(),
  enableHttp2: z.boolean().optional(),
  proxyUrl: z.string().optional(),
  relabelings: z.array(relabeling).optional(),
  metricRelabelings: z.array(relabeling).optional(),
  basicAuth: z.unknown().optional(),
  bearerTokenSecret: z.unknown().optional(),
  authorization: z.unknown().optional(),
  oauth2: z.unknown().optional(),
  tlsConfig: z.unknown().optional(),
});

export const PodMonitorSchema = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("PodMonitor"),
  metadata: z.looseObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1123 name"),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    selector,
    podMetricsEndpoints: z.array(podMetricsEndpoint).min(1),
    namespaceSelector: z
      .strictObject({ any: z.boolean().optional(), matchNames: z.array(z.string()).optional() })
      .optional(),
    jobLabel: z.string().optional(),
    podTargetLabels: z.array(z.string()).optional(),
    sampleLimit: z.int().nonnegative().optional(),
    targetLimit: z.int().nonnegative().optional(),
    labelLimit: z.int().nonnegative().optional(),
    labelNameLengthLimit: z.int().nonnegative().optional(),
    labelValueLengthLimit: z.int().nonnegative().optional(),
    keepDroppedTargets: z.int().nonnegative().optional(),
    attachMetadata: z.strictObject({ node: z.boolean().optional() }).optional(),
    scrapeClass: z.string().optional(),
  }),
});

/** A model like kubernetes-models' classes: `validate()` throws on a schema violation. */
export class PodMonitor {
  readonly #data: unknown;

  constructor(data: unknown) {
    this.#data = data;
  }

  validate(): void {
    const result = PodMonitorSchema.safeParse(this.#data);
    if (!result.success) throw new Error(z.prettifyError(result.error));
  }
}
