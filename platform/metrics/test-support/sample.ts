// Reads samples back from the process's registry, for tests that check a metric moved.
import { metricsRegistry } from "../registry.ts";

/**
 * The sum of the samples named `name` whose labels include `labels`; 0 when there are none.
 * A histogram's samples are `<name>_bucket` (with `le`), `<name>_count` and `<name>_sum`.
 *
 * @example await sample("zixly_webhooks_received_total", { outcome: "accepted" })
 */
export async function sample(
  name: string,
  labels: Readonly<Record<string, string | number>> = {},
): Promise<number> {
  let total = 0;
  for (const metric of await metricsRegistry.getMetricsAsJSON()) {
    if (!name.startsWith(metric.name)) continue;
    for (const value of metric.values as {
      value: number;
      labels: Record<string, string | number>;
      metricName?: string;
    }[]) {
      if ((value.metricName ?? metric.name) !== name) continue;
      if (Object.entries(labels).every(([k, v]) => String(value.labels[k]) === String(v))) {
        total += value.value;
      }
    }
  }
  return total;
}

/** Runs `act` and answers how much the sample moved meanwhile. */
export async function delta(
  name: string,
  labels: Readonly<Record<string, string | number>>,
  act: () => Promise<unknown> | unknown,
): Promise<number> {
  const before = await sample(name, labels);
  await act();
  return (await sample(name, labels)) - before;
}
