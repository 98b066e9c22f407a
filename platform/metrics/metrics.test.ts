// The record helpers: each moves its metric, with bounded labels.
import { describe, expect, it } from "vitest";
import { backtestRequested, shardCompleted } from "../../events/index.ts";
import { BoundedLabel } from "./bounded-label.ts";
import {
  eventTypeLabel,
  recordBrokerDelivery,
  recordConsumed,
  recordDeadLetter,
  recordJobLaunched,
  recordPublished,
  recordRunFinished,
  recordShardFailed,
  recordShardSucceeded,
  recordWebhook,
} from "./metrics.ts";
import { delta, sample } from "./test-support/sample.ts";

describe("the record helpers", () => {
  it("count webhooks by source and outcome", async () => {
    const moved = await delta(
      "zixly_webhooks_received_total",
      { source: "backtest", outcome: "rate_limited" },
      () => recordWebhook("backtest", "rate_limited"),
    );
    expect(moved).toBe(1);
  });

  it("count published and consumed events by type, and time the handler", async () => {
    expect(
      await delta(
        "zixly_events_published_total",
        { type: backtestRequested.type, outcome: "error" },
        () => recordPublished(backtestRequested.type, "error"),
      ),
    ).toBe(1);
    const consumed = { type: shardCompleted.type, function: "record-result", outcome: "invalid" };
    const count = { function: "record-result" };
    const before = await sample("zixly_handler_duration_seconds_count", count);
    expect(
      await delta("zixly_events_consumed_total", consumed, () =>
        recordConsumed(shardCompleted.type, "record-result", "invalid", 0.004),
      ),
    ).toBe(1);
    expect(await sample("zixly_handler_duration_seconds_count", count)).toBe(before + 1);
    // 4 ms falls in the 5 ms bucket, not the 2.5 ms one.
    expect(await sample("zixly_handler_duration_seconds_bucket", { ...count, le: 0.005 })).toBe(
      (await sample("zixly_handler_duration_seconds_bucket", { ...count, le: 0.0025 })) + 1,
    );
  });

  it("label an event type we do not know as other, never as itself", async () => {
    expect(eventTypeLabel(backtestRequested.type)).toBe(backtestRequested.type);
    expect(eventTypeLabel("dev.knative.sources.ping")).toBe("dev.knative.sources.ping");
    expect(eventTypeLabel("com.attacker.run_abc.v1")).toBe("other");
    expect(
      await delta("zixly_events_published_total", { type: "other", outcome: "ok" }, () =>
        recordPublished("com.attacker.run_abc.v1", "ok"),
      ),
    ).toBe(1);
  });

  it("count a launched run once and its shards each", async () => {
    const jobs = await sample("zixly_jobs_launched_total", { launcher: "kubernetes" });
    const shards = await sample("zixly_shards_launched_total", { launcher: "kubernetes" });
    recordJobLaunched("kubernetes", 3);
    expect(await sample("zixly_jobs_launched_total", { launcher: "kubernetes" })).toBe(jobs + 1);
    expect(await sample("zixly_shards_launched_total", { launcher: "kubernetes" })).toBe(
      shards + 3,
    );
  });

  it("count finished shards by outcome and reason, and observe a succeeded shard's figures", async () => {
    const rate = await sample("zixly_shard_bar_evaluations_per_second_count");
    const seconds = await sample("zixly_shard_duration_seconds_sum");
    expect(
      await delta("zixly_shards_finished_total", { outcome: "succeeded", reason: "none" }, () =>
        recordShardSucceeded({ barEvaluationsPerSecond: 2.5e7, elapsedMs: 1500 }),
      ),
    ).toBe(1);
    expect(await sample("zixly_shard_bar_evaluations_per_second_count")).toBe(rate + 1);
    expect(await sample("zixly_shard_duration_seconds_sum")).toBeCloseTo(seconds + 1.5, 9);
    // A part 0 without figures still counts the shard, and observes nothing.
    recordShardSucceeded(undefined);
    expect(await sample("zixly_shard_bar_evaluations_per_second_count")).toBe(rate + 1);
    expect(
      await delta("zixly_shards_finished_total", { outcome: "failed", reason: "deadline" }, () =>
        recordShardFailed("deadline"),
      ),
    ).toBe(1);
  });

  it("start every failure reason at zero, so that rate() sees the first failure", async () => {
    const text = await (await import("./registry.ts")).metricsRegistry.metrics();
    for (const reason of ["bad_input", "transient", "deadline", "crashed", "cancelled"]) {
      expect(text).toContain(`zixly_shards_finished_total{outcome="failed",reason="${reason}"}`);
    }
  });

  it("observe a run's duration from createdAt to finishedAt, and skip an unfinished run", async () => {
    const sum = await sample("zixly_run_duration_seconds_sum", { status: "failed" });
    const count = await sample("zixly_run_duration_seconds_count", { status: "failed" });
    recordRunFinished("failed", {
      createdAt: "2030-01-01T00:00:00.000Z",
      finishedAt: "2030-01-01T00:01:30.500Z",
    });
    recordRunFinished("failed", { createdAt: "2030-01-01T00:00:00.000Z", finishedAt: null });
    expect(await sample("zixly_run_duration_seconds_count", { status: "failed" })).toBe(count + 1);
    expect(await sample("zixly_run_duration_seconds_sum", { status: "failed" })).toBeCloseTo(
      sum + 90.5,
      9,
    );
  });

  it("label a dead letter by Service name, whether given a name or Knative's subscriber URL", async () => {
    const labels = { subscriber: "record-result" };
    expect(
      await delta("zixly_dead_letters_total", labels, () => {
        recordDeadLetter("record-result");
        recordDeadLetter("http://record-result.zixly.svc.cluster.local/");
      }),
    ).toBe(2);
    expect(
      await delta("zixly_broker_deliveries_total", { ...labels, outcome: "retried" }, () =>
        recordBrokerDelivery("record-result", "retried"),
      ),
    ).toBe(1);
  });
});

describe("BoundedLabel", () => {
  it("passes the first values through and answers other after the limit", () => {
    const label = new BoundedLabel(2);
    expect([label.of("a"), label.of("b"), label.of("c"), label.of("a")]).toEqual([
      "a",
      "b",
      "other",
      "a",
    ]);
  });
});
