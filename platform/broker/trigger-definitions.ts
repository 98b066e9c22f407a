// Reads the Trigger and Broker objects that knative/base deploys, so the embedded broker routes alike.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

/** How a broker delivers to one subscriber (Knative `DeliverySpec`), durations in ms. */
export interface DeliverySpec {
  /** Retries after the first try; 0 tries once. */
  readonly retry: number;
  readonly backoffPolicy: "linear" | "exponential";
  readonly backoffDelayMs: number;
  /** Name of the dead-letter Service (or its URI); unset drops finally failed events. */
  readonly deadLetterSink?: string;
  /** Per-try timeout; a try that takes longer counts as a network error. */
  readonly timeoutMs?: number;
}

/** One Trigger: events whose `type` equals `type` go to the Service `subscriber`. */
export interface TriggerDefinition {
  readonly name: string;
  readonly type: string;
  readonly subscriber: string;
  /** Replaces the Broker's delivery as a whole when set (Knative: no field-by-field merge). */
  readonly delivery?: DeliverySpec;
}

/** A Trigger or Broker document that the embedded broker cannot reproduce faithfully. */
export class TriggerDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TriggerDefinitionError";
  }
}

// In the source tree this file sits at platform/broker/; in the build, at dist/platform/broker/.
function knativeBasePath(file: string): string {
  const source = fileURLToPath(new URL(`../../knative/base/${file}`, import.meta.url));
  const built = fileURLToPath(new URL(`../../../knative/base/${file}`, import.meta.url));
  return existsSync(source) || !existsSync(built) ? source : built;
}

/** The repo's knative/base/triggers.yaml. */
export const defaultTriggersPath: string = knativeBasePath("triggers.yaml");
/** The repo's knative/base/broker.yaml. */
export const defaultBrokerPath: string = knativeBasePath("broker.yaml");

const ISO_DURATION = /^PT(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/;

/**
 * Milliseconds of an ISO-8601 duration of the `PTnHnMnS` subset, the form Knative's
 * `backoffDelay` and `timeout` take in practice. Days, weeks, months and years are refused.
 * @example parseIsoDuration("PT0.2S") // 200
 */
export function parseIsoDuration(text: string): number {
  const match = ISO_DURATION.exec(text);
  if (!match) {
    throw new TriggerDefinitionError(
      `"${text}" is not an ISO-8601 duration of the form PTnHnMnS (e.g. PT0.2S, PT1S, PT1M)`,
    );
  }
  const [, h = "0", m = "0", s = "0"] = match;
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}

const DeliveryYaml = z.object({
  retry: z.number().int().min(0).optional(),
  backoffPolicy: z.enum(["linear", "exponential"]).optional(),
  backoffDelay: z.string().optional(),
  timeout: z.string().optional(),
  deadLetterSink: z
    .object({
      ref: z
        .object({ apiVersion: z.string(), kind: z.string(), name: z.string().min(1) })
        .optional(),
      uri: z.string().min(1).optional(),
    })
    .refine((s) => s.ref !== undefined || s.uri !== undefined, "deadLetterSink needs ref or uri")
    .optional(),
});

const Metadata = z.object({ name: z.string().min(1) });

const TriggerYaml = z.object({
  apiVersion: z.literal("eventing.knative.dev/v1"),
  kind: z.literal("Trigger"),
  metadata: Metadata,
  spec: z.object({
    broker: z.string().min(1),
    // Knative filters on attributes only, never data; the embedded broker matches `type` alone.
    filter: z.object({ attributes: z.object({ type: z.string().min(1) }).strict() }),
    filters: z
      .undefined({ error: "spec.filters (the new filter dialects) is not supported" })
      .optional(),
    subscriber: z.object({
      ref: z.object({
        apiVersion: z.literal("serving.knative.dev/v1"),
        kind: z.literal("Service"),
        name: z.string().min(1),
      }),
    }),
    delivery: DeliveryYaml.optional(),
  }),
});

const BrokerYaml = z.object({
  apiVersion: z.literal("eventing.knative.dev/v1"),
  kind: z.literal("Broker"),
  metadata: Metadata,
  spec: z.object({ delivery: DeliveryYaml.optional() }).optional(),
});

function toDeliverySpec(yaml: z.infer<typeof DeliveryYaml>, where: string): DeliverySpec {
  // Knative applies a backoff only when both are set (kncloudevents.RetryConfigFromDeliverySpec):
  // a lone backoffDelay would be silently ignored there, so refuse it here.
  if (yaml.backoffDelay !== undefined && yaml.backoffPolicy === undefined) {
    throw new TriggerDefinitionError(
      `${where}: backoffDelay without backoffPolicy is ignored by Knative`,
    );
  }
  const ms = (text: string | undefined, field: string) => {
    if (text === undefined) return undefined;
    try {
      return parseIsoDuration(text);
    } catch (error) {
      throw new TriggerDefinitionError(`${where}: ${field}: ${(error as Error).message}`);
    }
  };
  const sink = yaml.deadLetterSink?.ref?.name ?? yaml.deadLetterSink?.uri;
  const timeoutMs = ms(yaml.timeout, "timeout");
  return {
    retry: yaml.retry ?? 0,
    backoffPolicy: yaml.backoffPolicy ?? "exponential",
    backoffDelayMs: ms(yaml.backoffDelay, "backoffDelay") ?? 0,
    ...(sink !== undefined ? { deadLetterSink: sink } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

function documents(yamlText: string, what: string): unknown[] {
  const out: unknown[] = [];
  for (const [i, doc] of parseAllDocuments(yamlText).entries()) {
    if (doc.errors.length > 0) {
      throw new TriggerDefinitionError(`${what} document ${i + 1}: ${doc.errors[0]?.message}`);
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function check<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new TriggerDefinitionError(`${where}: ${issues.join("; ")}`);
}

/**
 * The Triggers of `broker` in a multi-document YAML. Unknown fields are allowed; the fields
 * the embedded broker uses are checked, and anything it cannot reproduce is refused.
 */
export function loadTriggers(yamlText: string, broker = "default"): TriggerDefinition[] {
  const triggers: TriggerDefinition[] = [];
  for (const [i, doc] of documents(yamlText, "triggers").entries()) {
    const t = check(TriggerYaml, doc, `trigger document ${i + 1}`);
    if (t.spec.broker !== broker) continue;
    const where = `trigger ${t.metadata.name}`;
    if (triggers.some((other) => other.name === t.metadata.name)) {
      throw new TriggerDefinitionError(`${where}: defined twice`);
    }
    triggers.push({
      name: t.metadata.name,
      type: t.spec.filter.attributes.type,
      subscriber: t.spec.subscriber.ref.name,
      ...(t.spec.delivery ? { delivery: toDeliverySpec(t.spec.delivery, where) } : {}),
    });
  }
  return triggers;
}

/** {@link loadTriggers} of a file, by default the repo's knative/base/triggers.yaml. */
export async function loadTriggersFile(
  path = defaultTriggersPath,
  broker = "default",
): Promise<TriggerDefinition[]> {
  return loadTriggers(await readFile(path, "utf8"), broker);
}

/** The delivery defaults of Broker `name`; a Broker without `spec.delivery` tries once. */
export function loadBrokerDelivery(yamlText: string, name = "default"): DeliverySpec {
  for (const [i, doc] of documents(yamlText, "broker").entries()) {
    const b = check(BrokerYaml, doc, `broker document ${i + 1}`);
    if (b.metadata.name === name) return toDeliverySpec(b.spec?.delivery ?? {}, `broker ${name}`);
  }
  throw new TriggerDefinitionError(`no Broker named "${name}"`);
}

/** {@link loadBrokerDelivery} of a file, by default the repo's knative/base/broker.yaml. */
export async function loadBrokerDeliveryFile(
  path = defaultBrokerPath,
  name = "default",
): Promise<DeliverySpec> {
  return loadBrokerDelivery(await readFile(path, "utf8"), name);
}
