// Pieces shared by the event schemas: run ids, shard positions, JSON-safe numbers.
import { z } from "zod";

/** Run ids are derived from the webhook (see functions/ingest-webhook): `run_` + 26 base32 chars. */
export const RunIdSchema = z.string().regex(/^run_[a-z2-7]{26}$/, "not a run id");

/** Shard `index` of `count`, 0-based. */
export const ShardRefSchema = z
  .object({ index: z.number().int().min(0), count: z.number().int().min(1).max(1024) })
  .strict()
  .refine((s) => s.index < s.count, { message: "index must be below count", path: ["index"] });
export type ShardRef = z.infer<typeof ShardRefSchema>;

/** A statistic on the wire: JSON has no NaN or Infinity, so those travel as null. */
export const StatValueSchema = z.number().nullable();

/** A number, or null for NaN and infinities. */
export function toJsonNumber(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Defines an event type: its reverse-DNS, versioned `type` string and its data schema. */
export function defineEvent<const T extends string, S extends z.ZodType>(type: T, data: S) {
  return { type, data } as const;
}
