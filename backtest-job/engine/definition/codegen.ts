// Writes a definition's per-bar loop as JavaScript from a fixed vocabulary, and builds it once.
import { SIGNAL_EXIT_LONG, SIGNAL_EXIT_SHORT, SIGNAL_LONG, SIGNAL_SHORT } from "../signals.ts";
import type { CondPlan, KernelPlan } from "./plan.ts";

/**
 * The loop of one definition: reads series `S[k]` and numbers `C[k]` (resolved for one
 * combination), evaluates the rules at every bar and writes events from bar `start` into
 * `bars`/`bits`, returning how many it wrote.
 */
export type DefinitionKernel = (
  S: readonly Float64Array[],
  C: Float64Array,
  start: number,
  n: number,
  bars: Int32Array,
  bits: Uint8Array,
) => number;

// The source's only operators, looked up here so no string of the plan reaches the text.
const COMPARE = { "<": "<", "<=": "<=", ">": ">", ">=": ">=" } as const;
const RULE_BITS = [SIGNAL_LONG, SIGNAL_SHORT, SIGNAL_EXIT_LONG, SIGNAL_EXIT_SHORT] as const;

/** A non-negative integer we numbered, checked so that nothing else can become source. */
function index(k: number): string {
  if (!Number.isSafeInteger(k) || k < 0) throw new Error(`not a slot index: ${k}`);
  return String(k);
}

/**
 * The body of a {@link DefinitionKernel} for `plan`. The text is made only of our own
 * identifiers (`S`, `C`, `s3`, `c0`, `v2`, `h1`, `i`, ...), fixed operators and keywords,
 * slot numbers we assigned and the four signal bits: every number and series of the
 * definition arrives at run time through `S` and `C`, and no name or number the definition
 * holds is ever written into it (codegen.test.ts checks both, token by token).
 *
 * Every operand is read once per bar into a local; a shifted one reads NaN before bar 0,
 * as `previous` is undefined there. A comparison with NaN is false in JavaScript as in
 * numpy, and `!` is the plain complement, as the language says. Without `heldFor` the loop
 * starts at `start`; with it, at bar 0, so that its counters see the bars before the start
 * as backtesting.py's would, and events are written only from `start`.
 */
export function kernelSource(plan: KernelPlan): string {
  const usedSeries = new Set<number>();
  const usedNumbers = new Set<number>();
  for (const o of plan.operands) {
    (o.base === "series" ? usedSeries : usedNumbers).add(o.slot);
    if (o.shift >= 0) usedNumbers.add(o.shift);
  }
  const heldBars = (c: CondPlan | undefined): void => {
    if (c === undefined) return;
    if (c.kind === "held") usedNumbers.add(c.bars);
    else if (c.kind === "not") heldBars(c.operand);
    else if (c.kind === "and" || c.kind === "or") c.operands.forEach(heldBars);
  };
  for (const h of plan.held) heldBars(h.condition);
  plan.rules.forEach(heldBars);

  const lines: string[] = ['"use strict";'];
  for (const k of [...usedSeries].sort((a, b) => a - b)) {
    lines.push(`const s${index(k)} = S[${index(k)}];`);
  }
  for (const k of [...usedNumbers].sort((a, b) => a - b)) {
    // Bar counts are read as int32 so that `i - c` indexes an array without a conversion.
    const cast = plan.numbers[k].integer ? " | 0" : "";
    lines.push(`const c${index(k)} = C[${index(k)}]${cast};`);
  }
  for (const h of plan.held) lines.push(`let h${index(h.counter)} = 0;`);
  // `g`: the first bar at which every shifted operand reads a bar of the data.
  lines.push("let g = 0;");
  const shifts = new Set(plan.operands.filter((o) => o.shift >= 0).map((o) => o.shift));
  for (const k of [...shifts].sort((x, y) => x - y)) {
    lines.push(`if (c${index(k)} > g) g = c${index(k)};`);
  }
  lines.push("let m = 0;");
  lines.push(`let i = ${plan.held.length > 0 ? "0" : "start"};`);
  // The bars before `g` read NaN for what lies before bar 0; the loop from `g` on needs no
  // such test, which V8 would otherwise keep in the hot loop (it cost a factor of 3 there).
  lines.push("for (; i < n && i < g; i++) {");
  lines.push(...barBody(plan, "guarded"));
  lines.push("}");
  // From `g` on, an operand that is another one a bar later (the `a[i-1]` of a cross) takes
  // that one's value from the bar before: half the reads of a crossover (a quarter faster).
  const carried = plan.carriedFrom
    .map((from, k) => ({ k, from }))
    .filter(({ from }) => from >= 0)
    // Deepest shift first: `a[i-2]` takes `a[i-1]` before `a[i-1]` takes `a[i]`.
    .sort((x, y) => shiftOffset(plan, y.k) - shiftOffset(plan, x.k));
  lines.push("{");
  for (const { k } of carried) {
    const o = plan.operands[k];
    const at = `s${index(o.slot)}[i - c${index(o.shift)}]`;
    lines.push(`let v${index(k)} = i < n ? ${at} : NaN;`);
  }
  lines.push("for (; i < n; i++) {");
  lines.push(...barBody(plan, "plain"));
  for (const { k, from } of carried) lines.push(`  v${index(k)} = v${index(from)};`);
  lines.push("}");
  lines.push("}");
  lines.push("return m;");
  return lines.join("\n");
}

function shiftOffset(plan: KernelPlan, k: number): number {
  return plan.numbers[plan.operands[k].shift].offset;
}

/**
 * The statements of one bar: read the operands, count `heldFor`s, evaluate and write.
 * `guarded` reads NaN before bar 0; `plain` reads without the test and leaves the carried
 * operands to the loop around it.
 */
function barBody(plan: KernelPlan, mode: "guarded" | "plain"): string[] {
  const guarded = mode === "guarded";
  const lines: string[] = [];
  // What a condition reads for operand k: unshifted numbers directly, the rest from locals.
  const value = (k: number): string => {
    const o = plan.operands[k];
    return o.base === "number" && o.shift < 0 ? `c${index(o.slot)}` : `v${index(k)}`;
  };
  plan.operands.forEach((o, k) => {
    if (o.base === "number" && o.shift < 0) return;
    if (!guarded && plan.carriedFrom[k] >= 0) return;
    const v = `v${index(k)}`;
    if (o.shift < 0) {
      lines.push(`  const ${v} = s${index(o.slot)}[i];`);
      return;
    }
    const d = `c${index(o.shift)}`;
    const at = o.base === "series" ? `s${index(o.slot)}[i - ${d}]` : `c${index(o.slot)}`;
    lines.push(guarded ? `  const ${v} = i >= ${d} ? ${at} : NaN;` : `  const ${v} = ${at};`);
  });

  const expr = (c: CondPlan): string => {
    switch (c.kind) {
      case "compare":
        return `${value(c.left)} ${COMPARE[c.op]} ${value(c.right)}`;
      case "and":
      case "or":
        return c.operands.map((x) => `(${expr(x)})`).join(c.kind === "and" ? " && " : " || ");
      case "not":
        return `!(${expr(c.operand)})`;
      case "held":
        return `h${index(c.counter)} >= c${index(c.bars)}`;
    }
  };
  for (const h of plan.held) {
    const name = `h${index(h.counter)}`;
    lines.push(`  ${name} = (${expr(h.condition)}) ? ${name} + 1 : 0;`);
  }
  lines.push("  let b = 0;");
  plan.rules.forEach((rule, r) => {
    if (rule !== undefined) lines.push(`  if (${expr(rule)}) b |= ${index(RULE_BITS[r])};`);
  });
  lines.push(`  if (b !== 0${plan.held.length > 0 ? " && i >= start" : ""}) {`);
  lines.push("    bars[m] = i;");
  lines.push("    bits[m] = b;");
  lines.push("    m++;");
  lines.push("  }");
  return lines;
}

/**
 * Builds the loop of `plan` once; every combination of a sweep then calls the same function,
 * which V8 optimises as it would a hand-written one.
 */
export function buildKernel(plan: KernelPlan): DefinitionKernel {
  return new Function(
    "S",
    "C",
    "start",
    "n",
    "bars",
    "bits",
    kernelSource(plan),
  ) as DefinitionKernel;
}
