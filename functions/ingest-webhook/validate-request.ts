// Checks a webhook body against the BacktestRequest schema and the engine's own rules.

import type { z } from "zod";
import { countGrid } from "../../backtest-job/engine/count-grid.ts";
import { type BacktestRequest, BacktestRequestSchema } from "../../events/index.ts";
import { escapeUnstorable } from "../../events/storable-text.ts";
import { InvalidRequest, type Issue } from "../../platform/http/http-errors.ts";

/** A valid request and its number of combinations. */
export interface ValidRequest {
  readonly request: BacktestRequest;
  readonly combinations: number;
}

/**
 * Validates `body`: every schema issue with its path, then the strategy (a built-in's name,
 * or a definition the engine checks, every problem at `strategy.<path>`), the grid against
 * the strategy's parameters, and the cap on combinations. Throws {@link InvalidRequest}.
 */
export function validateRequest(body: unknown, maxCombinations: number): ValidRequest {
  const parsed = BacktestRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(toIssue);
    throw new InvalidRequest(
      `the request does not match the schema: ${issues.map((i) => `${i.path || "body"}: ${i.message}`).join("; ")}`,
      issues,
    );
  }
  const request = parsed.data;
  const combinations = engineCheck(request, maxCombinations);
  return { request, combinations };
}

function engineCheck(request: BacktestRequest, cap: number): number {
  const counted = countGrid(request.strategy, request.params, cap);
  switch (counted.kind) {
    case "ok":
      return counted.combinations;
    case "none":
      throw new InvalidRequest(
        `params: no combination satisfies the constraints (${counted.rules.join("; ")})`,
        [{ path: "params", message: "no valid combination" }],
      );
    case "over":
      throw tooMany(`${counted.combinations} combinations`, cap);
    case "definition": {
      // The engine's paths are relative to the definition, which is `strategy` in a request.
      const issues = counted.issues.map((i) => ({
        path: i.path ? `strategy.${i.path}` : "strategy",
        message: i.message,
      }));
      throw new InvalidRequest(
        `the strategy definition is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        issues,
      );
    }
    case "invalid": {
      // Engine messages start with the grid path ("grid.fast[2]: ..."): in a request that is params.
      const message = counted.message.replace(/^grid/, "params");
      const unknownStrategy = counted.message.startsWith("unknown strategy");
      const path = unknownStrategy ? "strategy" : (message.split(":")[0] ?? "params");
      throw new InvalidRequest(unknownStrategy ? `strategy: ${message}` : message, [
        { path, message },
      ]);
    }
  }
}

/**
 * One zod issue as path and message. A parameter name that fails is a record key: zod wraps
 * its issues in "Invalid key in record", so they are unwrapped to say what is wrong with it,
 * and the name in the path shows characters that cannot be stored as escapes.
 */
function toIssue(issue: z.core.$ZodIssue): Issue {
  const path = issue.path.map((p) => escapeUnstorable(String(p))).join(".");
  if (issue.code === "invalid_key") {
    return { path, message: `invalid name: ${issue.issues.map((i) => i.message).join("; ")}` };
  }
  return { path, message: issue.message };
}

function tooMany(what: string, cap: number): InvalidRequest {
  const message = `params: the grid gives ${what}, more than the cap of ${cap}`;
  return new InvalidRequest(message, [{ path: "params", message }]);
}
