// The parameter grid as it travels in a request: the engine's grid format, on the wire.
import { z } from "zod";
import { storable } from "./storable-text.ts";

/** An inclusive range of values: `{"from": 5, "to": 50, "step": 5}`. */
export const RangeSchema = z
  .object({ from: z.number().finite(), to: z.number().finite(), step: z.number().finite().gt(0) })
  .strict()
  .refine((r) => r.from <= r.to, { message: "from must not exceed to", path: ["to"] });

/** One parameter: a number, a non-empty list of numbers, or an inclusive range. */
export const GridValueSchema = z.union([
  z.number().finite(),
  z.array(z.number().finite()).min(1, "the list is empty").max(10_000),
  RangeSchema,
]);

/**
 * Every parameter of the strategy, by name. The engine checks names, bounds and constraints;
 * a name is storable text because the request, keys included, is kept in Postgres.
 */
export const GridSchema = z
  .record(storable(z.string().min(1).max(64)), GridValueSchema)
  .refine((g) => Object.keys(g).length > 0, "the grid is empty");
export type Grid = z.infer<typeof GridSchema>;
