// The kubernetes-models class of every apiVersion/kind the deployment may render.

import { Broker } from "@kubernetes-models/knative/eventing.knative.dev/v1/Broker";
import { Trigger } from "@kubernetes-models/knative/eventing.knative.dev/v1/Trigger";
import { Service as KnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { ApiServerSource } from "@kubernetes-models/knative/sources.knative.dev/v1/ApiServerSource";
import { PingSource } from "@kubernetes-models/knative/sources.knative.dev/v1/PingSource";
import { SinkBinding } from "@kubernetes-models/knative/sources.knative.dev/v1/SinkBinding";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { EventPolicy } from "./event-policy.ts";
import { PodMonitor } from "./podmonitor.ts";

/** The part of a Knative Service that holds its pod template. */
interface KnativeServiceShape {
  readonly spec: { readonly template: { readonly metadata?: object; readonly spec: object } };
}

/** A model class: built from an object, `validate()` throws on a schema violation. */
type Model = new (data: never) => { validate(): void };

/**
 * Known kinds, by `apiVersion/kind`. A kind missing here fails the tests: nothing is deployed
 * without a schema check. Deliberately absent: ClusterRole and ClusterRoleBinding (the
 * pipeline needs no cluster-wide permission).
 */
export const MODELS: Readonly<Record<string, Model>> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/PersistentVolume": PersistentVolume,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/StatefulSet": StatefulSet,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "serving.knative.dev/v1/Service": KnativeService,
  "eventing.knative.dev/v1/Broker": Broker,
  "eventing.knative.dev/v1/Trigger": Trigger,
  "sources.knative.dev/v1/ApiServerSource": ApiServerSource,
  "sources.knative.dev/v1/PingSource": PingSource,
  "sources.knative.dev/v1/SinkBinding": SinkBinding,
  // A CRD of the Prometheus Operator, which kubernetes-models lacks: checked by the zod schema
  // of podmonitor.ts instead.
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  // Knative Eventing's authorization policy, absent from both model packages and from
  // ../shared/schemas: checked by the zod schema of event-policy.ts.
  "eventing.knative.dev/v1alpha1/EventPolicy": EventPolicy,
};

/**
 * Validates `object` with its model; throws for an unknown kind or a schema violation.
 * A Knative Service's pod template is validated as a core Pod as well: the Knative CRD
 * schema is looser there than the core schema.
 */
export function validateObject(object: { apiVersion: string; kind: string }): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Kind = MODELS[key];
  if (!Kind) throw new Error(`no model for ${key}: add it to deploy-tests/models.ts`);
  new Kind(object as never).validate();
  if (key === "serving.knative.dev/v1/Service") {
    const { template } = (object as unknown as KnativeServiceShape).spec;
    new Pod({ metadata: template.metadata ?? {}, spec: template.spec } as never).validate();
  }
}
