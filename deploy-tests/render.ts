// Renders the kustomize overlays offline and reads the deployment files the tests check.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

/** A Kubernetes object as rendered: only the fields every object has are typed. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML; each test narrows what it reads.
  readonly [field: string]: any;
}

/** The repository's root, whatever the working directory of the test run. */
export const REPO = fileURLToPath(new URL("../", import.meta.url));

/** A path inside the repository. */
export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, new URL("../", import.meta.url)));
}

/** Whether `kubectl` (with its built-in kustomize) can be run here. */
export const HAS_KUBECTL: boolean = (() => {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** A describe title that says why its tests are skipped when kubectl is absent. */
export function kubectlTitle(title: string): string {
  if (HAS_KUBECTL) return title;
  process.stderr.write(`${title}: skipped, kubectl is not installed\n`);
  return `${title} (skipped: kubectl is not installed)`;
}

/** `kubectl kustomize knative/overlays/<overlay>`, parsed; throws with kustomize's message. */
export function renderOverlay(overlay: "kind" | "kind-monitoring" | "eks"): K8sObject[] {
  const text = execFileSync("kubectl", ["kustomize", repoPath(`knative/overlays/${overlay}`)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return parseYamlDocuments(text);
}

/** Every non-empty document of a multi-document YAML text. */
export function parseYamlDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message);
      return doc.toJS() as K8sObject | null;
    })
    .filter((doc): doc is K8sObject => doc !== null && doc !== undefined);
}

/** One YAML file of the repository, parsed (merge keys `<<` resolved, as compose does). */
export function readYamlFile(relative: string): unknown {
  return parse(readFileSync(repoPath(relative), "utf8"), { merge: true });
}

/**
 * A JSON Schema from ../shared/schemas, beside the repository, or undefined when that folder
 * is absent (the tests that need it skip with a message).
 */
export function sharedSchema(file: string): object | undefined {
  const url = new URL(`../../shared/schemas/${file}`, import.meta.url);
  const path = fileURLToPath(url);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as object) : undefined;
}

/** The objects of `kind` (and apiVersion group, when given) in a render. */
export function ofKind(objects: readonly K8sObject[], kind: string, group?: string): K8sObject[] {
  return objects.filter(
    (o) => o.kind === kind && (group === undefined || o.apiVersion.split("/")[0] === group),
  );
}

/** The one object of `kind` named `name`; throws when there is none. */
export function named(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} in the render`);
  return found;
}
