// What a shard event claims that its run, as stored, says cannot be: record-result trusts no count it can check.
import { shardSize } from "../../backtest-job/engine/grid.ts";
import type { ShardCompleted, ShardFailed, ShardProgress } from "../../events/index.ts";
import type { RunRecord } from "../../platform/ports.ts";

/** Whether combination `comboIndex` of a run of `combinations` belongs to shard `index` of `count`. */
function inShard(comboIndex: number, combinations: number, index: number, count: number): boolean {
  return comboIndex < combinations && comboIndex % count === index;
}

/**
 * Why `data`, a shard event of `run`, cannot be true, or undefined when it may be. Every
 * shard event must name the shard count dispatch recorded. A `shard.completed` part may hold
 * only combinations of its own shard, each row as wide as `paramNames`, no more rows than the
 * shard has, a part count the shard could need (each part after the first holds a row), and
 * a best combination and `metrics.evaluated` of the shard. A `shard.progress` total is the
 * shard's size. Checked against the stored run, so a forged or broken event cannot make a run
 * complete early, never complete, or show another sweep's rows.
 */
export function problemWith(
  run: Pick<RunRecord, "combinations" | "shardCount">,
  data: ShardCompleted | ShardFailed | ShardProgress,
): string | undefined {
  const { index, count } = data.shard;
  if (count !== run.shardCount) {
    return `shard ${index} of ${count}, but the run has ${run.shardCount} shards`;
  }
  const size = shardSize(run.combinations, index, count);
  if ("done" in data) {
    if (data.total !== size) return `progress total ${data.total}, but shard ${index} has ${size}`;
    if (data.done > data.total) return `progress ${data.done} of ${data.total}`;
    return undefined;
  }
  if (!("rows" in data)) return undefined;
  if (data.rows.length > size) {
    return `part of ${data.rows.length} rows, but shard ${index} has ${size} combinations`;
  }
  // Part 0 may be empty when `best` fills it; every later part holds at least one row.
  if (data.part.count > Math.max(1, size + 1)) {
    return `${data.part.count} parts, but shard ${index} has ${size} combinations`;
  }
  const width = data.paramNames.length;
  for (const [comboIndex, values] of data.rows) {
    if (!inShard(comboIndex, run.combinations, index, count)) {
      return `combination ${comboIndex} is not one of shard ${index} of ${count} of ${run.combinations}`;
    }
    if (values.length !== width)
      return `combination ${comboIndex} has ${values.length} values for ${width} names`;
  }
  if (data.best && !inShard(data.best.comboIndex, run.combinations, index, count)) {
    return `best combination ${data.best.comboIndex} is not one of shard ${index}`;
  }
  if (data.metrics && data.metrics.evaluated > size) {
    return `${data.metrics.evaluated} evaluated, but shard ${index} has ${size} combinations`;
  }
  return undefined;
}
