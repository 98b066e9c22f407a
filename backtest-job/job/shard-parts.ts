// Splits a finished shard into `shard.completed` parts that each stay under the 64 KiB event limit.
import {
  type ResultRow,
  ROWS_PER_PART,
  type ShardCompleted,
  type ShardRef,
} from "../../events/index.ts";
import type { SweepOutcome } from "../sweep-pool.ts";
import { encodeBest, type Prices } from "./best-result.ts";
import { encodeRows } from "./result-rows.ts";

/**
 * Most bytes of one part's JSON data. CloudEvents intermediaries must forward events of
 * 64 KiB or less (cloudevents/spec, size limits); the rest is left for headers and attributes.
 */
export const MAX_PART_BYTES = 60 * 1024;

/** The sweep outcome fields a shard's parts are built from. */
export type ShardOutcome = Pick<
  SweepOutcome,
  "table" | "plan" | "top" | "comboIndices" | "evaluated" | "elapsedMs" | "barEvaluationsPerSecond"
>;

/** A double whose JSON is as long as any double's (24 characters). */
const WIDEST_NUMBER = -2.2250738585072014e-308;

const finite = (x: number) => (Number.isFinite(x) && x > 0 ? x : 0);

/**
 * The `shard.completed` data of a shard, part 0 first. A part holds at most ROWS_PER_PART
 * rows and MAX_PART_BYTES bytes, so part 0, which also carries `metrics` and `best`, may
 * hold fewer rows than the others. A shard without combinations gives one part with no rows.
 * `prices` (the swept bars) add the buy-and-hold curve to `best`.
 */
export function shardParts(
  runId: string,
  shard: ShardRef,
  outcome: ShardOutcome,
  prices?: Prices,
): ShardCompleted[] {
  const rows = encodeRows(outcome.table, outcome.plan);
  const best = encodeBest(outcome, prices);
  const metrics = {
    evaluated: outcome.evaluated,
    elapsedMs: finite(outcome.elapsedMs),
    // An empty shard divides 0 by ~0 ms.
    barEvaluationsPerSecond: finite(outcome.barEvaluationsPerSecond),
  };
  const paramNames = [...outcome.plan.names];
  // The widest part header, so the byte count never comes out short.
  const head = (extra: object) =>
    Buffer.byteLength(
      JSON.stringify({
        runId,
        shard,
        part: { index: 1e9, count: 1e9 },
        paramNames,
        rows: [],
        ...extra,
      }),
    );
  // The timings differ from one run of the shard to the next, and a part's bytes must not: a
  // re-run shard (after a restart) must cut its parts where the first run did, since parts
  // are stored once by index. So measure them at the widest a number can be written.
  const widest = { ...metrics, elapsedMs: WIDEST_NUMBER, barEvaluationsPerSecond: WIDEST_NUMBER };
  const groups = split(
    rows,
    head(best ? { metrics: widest, best } : { metrics: widest }),
    head({}),
  );
  return groups.map((group, index) => ({
    runId,
    shard,
    part: { index, count: groups.length },
    paramNames,
    rows: group,
    ...(index === 0 ? { metrics, ...(best ? { best } : {}) } : {}),
  }));
}

/** Greedy split by row count and bytes; always at least one (possibly empty) group. */
function split(rows: readonly ResultRow[], firstHead: number, head: number): ResultRow[][] {
  const groups: ResultRow[][] = [[]];
  let bytes = firstHead;
  for (const row of rows) {
    const size = JSON.stringify(row).length + 1; // and its comma
    let current = groups[groups.length - 1];
    // Part 0 may end up without rows when `best` leaves no room; later parts take at least one.
    const full = current.length >= ROWS_PER_PART || bytes + size > MAX_PART_BYTES;
    if (full && (current.length > 0 || groups.length === 1)) {
      current = [];
      groups.push(current);
      bytes = head;
    }
    current.push(row);
    bytes += size;
  }
  return groups;
}
