// A schema for Knative Eventing's EventPolicy (eventing.knative.dev/v1alpha1), which neither
// kubernetes-models nor ../shared/schemas/knative-v1.21 ships. Written by hand from the
// upstream CRD (knative/eventing config/core/resources/eventpolicy.yaml) and the rules of its
// admission webhook (each `from` names a ref or a sub, each `to` a ref or a selector), strict,
// so a misspelt field fails here instead of being pruned by the API server and leaving a
// policy that names nobody.
import { z } from "zod";

const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1123 name");

const reference = z.strictObject({
  apiVersion: z.string().regex(/^[a-z0-9.-]+\/v[0-9a-z]+$/, "group/version"),
  kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, "a Kind"),
  name: dnsName,
});

const selector = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
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
});

/** `system:serviceaccount:<namespace>:<name>`, or such a prefix ending in `*`. */
const subject = z
  .string()
  .regex(/^system:serviceaccount:[a-z0-9-]+:([a-z0-9.-]+|[a-z0-9.-]*\*)$/, "a service account");

const from = z.union([
  z.strictObject({ ref: reference.extend({ namespace: dnsName.optional() }) }),
  z.strictObject({ sub: subject }),
]);

const to = z.union([z.strictObject({ ref: reference }), z.strictObject({ selector })]);

export const EventPolicySchema = z.strictObject({
  apiVersion: z.literal("eventing.knative.dev/v1alpha1"),
  kind: z.literal("EventPolicy"),
  metadata: z.looseObject({
    name: dnsName,
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    // Empty or absent: the policy applies to every Eventing resource of the namespace.
    // Ours always names its Broker; deploy-tests/manifests-oidc.test.ts checks which.
    to: z.array(to).optional(),
    // Absent: nobody is allowed. A policy that allows nobody is a mistake here.
    from: z.array(from).min(1),
    // CloudEvents filters (since Eventing 1.16); not used, accepted as the CRD does.
    filters: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});

/** A model like kubernetes-models' classes: `validate()` throws on a schema violation. */
export class EventPolicy {
  readonly #data: unknown;

  constructor(data: unknown) {
    this.#data = data;
  }

  validate(): void {
    const result = EventPolicySchema.safeParse(this.#data);
    if (!result.success) throw new Error(z.prettifyError(result.error));
  }
}
