// promtool's linter on our exposition text: Prometheus' own word on names, units and types.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { backtestRequested } from "../../events/index.ts";
import {
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
import { metricsRegistry } from "./registry.ts";
import "./runs-in-flight.ts";

const hasPromtool = !spawnSync("promtool", ["--version"]).error;
if (!hasPromtool) {
  console.warn(
    "skipping the promtool check: promtool is not installed (Debian: apt-get install prometheus)",
  );
}

/**
 * prom-client's default collectors export three gauges with a `_total` suffix, which the
 * linter rightly flags. They are kept: common Node.js dashboards query them by these names.
 */
const KNOWN_DEFAULT_PROBLEMS = [
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
];

function promtoolCheck(text: string): { status: number | null; problems: string[] } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  const problems = `${result.stdout}${result.stderr}`
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return { status: result.status, problems };
}

describe.skipIf(!hasPromtool)("promtool check metrics", () => {
  it("finds nothing wrong with any zixly_ metric, and only the known default-metric names", async () => {
    // One sample of each, so that every family prints its samples and not only its HELP.
    recordWebhook("backtest", "accepted");
    recordPublished(backtestRequested.type, "ok");
    recordConsumed(backtestRequested.type, "dispatch-backtest", "ok", 0.02);
    recordJobLaunched("local", 2);
    recordShardSucceeded({ barEvaluationsPerSecond: 4e6, elapsedMs: 800 });
    recordShardFailed("crashed");
    recordRunFinished("succeeded", {
      createdAt: "2030-01-01T00:00:00.000Z",
      finishedAt: "2030-01-01T00:00:04.000Z",
    });
    recordDeadLetter("notify");
    recordBrokerDelivery("notify", "dead_lettered");
    const text = await metricsRegistry.metrics();

    const { status, problems } = promtoolCheck(text);
    expect(problems.filter((p) => p.includes("zixly_"))).toEqual([]);
    expect(problems.sort()).toEqual(KNOWN_DEFAULT_PROBLEMS);
    // Exit code 3 means lint problems only; 1 would mean the text did not even parse.
    expect(status).toBe(3);

    const ours = text
      .split("\n")
      .filter((line) => line.startsWith("zixly_") || /^# (HELP|TYPE) zixly_/.test(line))
      .join("\n");
    expect(promtoolCheck(`${ours}\n`)).toEqual({ status: 0, problems: [] });
  });
});
