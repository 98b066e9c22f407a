// The upstream Knative v1.21 CRDs (../shared/schemas/knative-v1.21) as validators, checking an
// object as the API server does with strict field validation: every object schema without
// x-kubernetes-preserve-unknown-fields is closed, so a misspelt field fails instead of being
// pruned. The Knative admission webhooks check more (see manifests-policy.test.ts).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";

/** The CRD files, as ../shared/schemas/SOURCES.md lists them. */
const FILES = ["service", "broker", "trigger", "apiserversource", "pingsource"];

type Schema = { [keyword: string]: unknown };

/** `schema` with every object schema that lists properties, and keeps no unknown fields, closed. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    out[keyword] =
      keyword === "properties"
        ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, closed(v)]))
        : closed(value);
  }
  const open = out["x-kubernetes-preserve-unknown-fields"] === true;
  if (out.type === "object" && out.properties && !open && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * A validator per `apiVersion/kind` of the Knative CRDs, or undefined when ../shared is absent
 * (the tests that need it skip with a message).
 */
export function knativeCrdValidators(): Map<string, ValidateFunction> | undefined {
  const dir = fileURLToPath(new URL("../../shared/schemas/knative-v1.21/", import.meta.url));
  if (!existsSync(dir)) return undefined;
  // int64 and friends are OpenAPI formats Ajv does not know; the types still apply.
  const ajv = new Ajv({
    strict: false,
    validateSchema: false,
    allErrors: true,
    validateFormats: false,
  });
  const validators = new Map<string, ValidateFunction>();
  for (const file of FILES) {
    const crd = parse(readFileSync(`${dir}${file}.yaml`, "utf8"));
    for (const version of crd.spec.versions) {
      const root = closed(version.schema.openAPIV3Schema) as Schema;
      // The API server checks these itself; the Eventing CRDs leave them out of the schema.
      root.properties = {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { type: "object" },
        ...(root.properties as Schema),
      };
      validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(root));
    }
  }
  return validators;
}
