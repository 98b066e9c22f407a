// Every rendered Knative object passes its upstream v1.21 CRD schema, strictly: a field the
// CRD does not know (a misspelt token audience, a label in the wrong place) fails here.
import { describe, expect, it } from "vitest";
import { knativeCrdValidators } from "./knative-crds.ts";
import { HAS_KUBECTL, type K8sObject, kubectlTitle, named, renderOverlay } from "./render.ts";

const validators = knativeCrdValidators();
const missing = validators ? "" : " (skipped: ../shared/schemas/knative-v1.21 is absent)";
if (!validators) process.stderr.write(`Knative CRD checks${missing}\n`);

/** The CRD's complaints about `object`, or [] when it passes; throws for a kind without a CRD. */
function complaints(object: K8sObject): string[] {
  const validate = validators?.get(`${object.apiVersion}/${object.kind}`);
  if (!validate) throw new Error(`no CRD for ${object.apiVersion}/${object.kind}`);
  return validate(object)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
      );
}

describe.skipIf(!validators || !HAS_KUBECTL)(kubectlTitle(`Knative CRDs${missing}`), () => {
  describe.each(["kind", "eks"] as const)("overlay %s", (overlay) => {
    const objects = HAS_KUBECTL && validators ? renderOverlay(overlay) : [];
    const knative = objects.filter((o) => validators?.has(`${o.apiVersion}/${o.kind}`));

    it("passes every Service, Broker, Trigger and source through its CRD schema", () => {
      expect(knative.length).toBeGreaterThan(10);
      for (const o of knative) expect(complaints(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    });

    it("fails a field the CRD does not know, deep in a pod template", () => {
      const service = structuredClone(named(objects, "Service", "notify"));
      service.spec.template.spec.containers[0].volumeMount = [];
      expect(complaints(service).join()).toMatch(/volumeMount/);
    });
  });
});
