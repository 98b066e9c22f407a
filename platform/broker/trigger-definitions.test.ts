// Proves the Trigger and Broker loaders on the real knative/base files, ISO durations and every refusal.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { EVENTS } from "../../events/registry.ts";
import {
  defaultBrokerPath,
  defaultTriggersPath,
  loadBrokerDelivery,
  loadBrokerDeliveryFile,
  loadTriggers,
  loadTriggersFile,
  parseIsoDuration,
  TriggerDefinitionError,
} from "./trigger-definitions.ts";

describe("parseIsoDuration", () => {
  it.each([
    ["PT0.2S", 200],
    ["PT1S", 1000],
    ["PT1M", 60_000],
    ["PT1H", 3_600_000],
    ["PT1H30M", 5_400_000],
    ["PT1M0.5S", 60_500],
    ["PT0S", 0],
  ])("%s is %i ms", (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(["P1D", "P1DT1S", "PT", "PT1", "1S", "PT-1S", "pt1s", "", "PT1S1M", "PT.5S"])(
    "refuses %j",
    (text) => {
      expect(() => parseIsoDuration(text)).toThrow(/PTnHnMnS/);
    },
  );
});

describe("the knative/base files", () => {
  it("have a Trigger for every event type a function consumes", async () => {
    const triggers = await loadTriggersFile();
    const types = new Set(triggers.map((t) => t.type));
    for (const type of Object.keys(EVENTS)) expect(types, type).toContain(type);
    expect(triggers.map((t) => [t.type, t.subscriber])).toEqual([
      ["com.zixly.backtest.requested.v1", "dispatch-backtest"],
      ["com.zixly.backtest.shard.completed.v1", "record-result"],
      ["com.zixly.backtest.shard.failed.v1", "record-result"],
      ["com.zixly.backtest.shard.progress.v1", "record-result"],
      ["com.zixly.backtest.completed.v1", "notify"],
      ["com.zixly.backtest.failed.v1", "notify"],
      ["dev.knative.apiserver.resource.add", "watch-jobs"],
      ["dev.knative.apiserver.resource.update", "watch-jobs"],
      ["dev.knative.sources.ping", "watch-jobs"],
    ]);
  });

  it("give only the progress Trigger its own delivery: one quick retry, every field set", async () => {
    const triggers = await loadTriggersFile(defaultTriggersPath);
    const own = triggers.filter((t) => t.delivery !== undefined);
    expect(own.map((t) => t.name)).toEqual(["record-result-shard-progress"]);
    // Every field, so the Kafka broker's field-by-field merge reads it as the MT broker does.
    expect(own[0]?.delivery).toEqual({
      retry: 1,
      backoffPolicy: "linear",
      backoffDelayMs: 1000,
      timeoutMs: 10_000,
      deadLetterSink: "dead-letters",
    });
  });

  it("set the Broker's defaults: 13 linear retries 10 s apart, 60 s a try, then dead-letters", async () => {
    // Why these figures, and the 10-minute floor: deploy-tests/delivery.test.ts.
    expect(await loadBrokerDeliveryFile(defaultBrokerPath)).toEqual({
      retry: 13,
      backoffPolicy: "linear",
      backoffDelayMs: 10_000,
      timeoutMs: 60_000,
      deadLetterSink: "dead-letters",
    });
  });

  it("label every object as part of zixly-pipelines", async () => {
    for (const path of [defaultTriggersPath, defaultBrokerPath]) {
      for (const doc of parseAllDocuments(await readFile(path, "utf8"))) {
        const labels = (doc.toJS() as { metadata: { labels?: Record<string, string> } }).metadata
          .labels;
        expect(labels?.["app.kubernetes.io/part-of"]).toBe("zixly-pipelines");
      }
    }
  });
});

const trigger = (
  name: string,
  extra = "",
  filter = "type: com.zixly.backtest.failed.v1",
  broker = "default",
) => `
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: ${name}, annotations: { unknown: fields-are-fine } }
spec:
  broker: ${broker}
  filter: { attributes: { ${filter} } }
  subscriber: { ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: notify } }
${extra}`;

describe("loadTriggers", () => {
  it("reads a Trigger's own delivery, with a dead-letter URI and a timeout", () => {
    const extra =
      "  delivery: { retry: 2, backoffPolicy: linear, backoffDelay: PT1S, timeout: PT30S, deadLetterSink: { uri: http://dls } }";
    expect(loadTriggers(trigger("t", extra))).toEqual([
      {
        name: "t",
        type: "com.zixly.backtest.failed.v1",
        subscriber: "notify",
        delivery: {
          retry: 2,
          backoffPolicy: "linear",
          backoffDelayMs: 1000,
          timeoutMs: 30_000,
          deadLetterSink: "http://dls",
        },
      },
    ]);
  });

  it("skips empty documents and Triggers of other brokers", () => {
    const text = `---\n${trigger("a")}---\n---\n${trigger("b", "", undefined, "other")}`;
    expect(loadTriggers(text).map((t) => t.name)).toEqual(["a"]);
  });

  it.each([
    ["another kind", trigger("t").replace("kind: Trigger", "kind: Broker"), /kind/],
    ["a filter on more than type", trigger("t", "", "type: x, source: /y"), /source/],
    [
      "the new filters dialect",
      trigger("t", "  filters: [{ exact: { type: x } }]"),
      /spec.filters/,
    ],
    ["no type filter", trigger("t", "", "source: /y"), /type/],
    [
      "a bad backoffDelay",
      trigger("t", "  delivery: { backoffPolicy: linear, backoffDelay: P1D }"),
      /backoffDelay.*PTnHnMnS/,
    ],
    [
      "a backoffDelay without a policy",
      trigger("t", "  delivery: { backoffDelay: PT1S }"),
      /without backoffPolicy/,
    ],
    ["a negative retry", trigger("t", "  delivery: { retry: -1 }"), /retry/],
    ["a Trigger defined twice", `${trigger("t")}---${trigger("t")}`, /defined twice/],
    ["broken YAML", "kind: [", /document 1/],
  ])("refuses %s", (_what, text, message) => {
    expect(() => loadTriggers(text)).toThrow(TriggerDefinitionError);
    expect(() => loadTriggers(text)).toThrow(message);
  });
});

describe("loadBrokerDelivery", () => {
  it("tries once when the Broker sets no delivery", () => {
    const text = "apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: { name: default }\n";
    expect(loadBrokerDelivery(text)).toEqual({
      retry: 0,
      backoffPolicy: "exponential",
      backoffDelayMs: 0,
    });
  });

  it("refuses a file without the named Broker", () => {
    const text = "apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: { name: other }\n";
    expect(() => loadBrokerDelivery(text)).toThrow(/no Broker named "default"/);
  });
});
