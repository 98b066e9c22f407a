// Test-only: a definition's signals read off the language's rules bar by bar, with no slots or codegen.
import type { Bars } from "../../bars.ts";
import { firstDefined } from "../../indicator-cache.ts";
import { atr, bollinger, donchian, ema, macd, rsi, sma } from "../../indicators/index.ts";
import { SIGNAL_EXIT_LONG, SIGNAL_EXIT_SHORT, SIGNAL_LONG, SIGNAL_SHORT } from "../../signals.ts";
import type { Params } from "../../strategy.ts";
import type { CondNode, IndicatorNode, NumNode, ParsedDefinition, SeriesNode } from "../ast.ts";

/**
 * The warm-up and the signal bits of every bar, computed the slow, literal way: indicators
 * from the pure functions of indicators/ (fresh arrays, no cache, no scratch lines),
 * `heldFor` by looking back over its bars, `previous` by index, and the start by the
 * language's rule. An oracle for the compiled kernel, written independently of it.
 */
export function referenceSignals(
  parsed: ParsedDefinition,
  bars: Bars,
  params: Params,
): { warmup: number; bits: Uint8Array } {
  const num = (n: NumNode) => (n.kind === "number" ? n.value : params[n.name]);
  const memo = new Map<string, Float64Array>();
  const indicator = (node: IndicatorNode): Float64Array => {
    const key = JSON.stringify(node, (_, v) => (v?.kind === "param" ? params[v.name] : v));
    let out = memo.get(key);
    if (out) return out;
    const { close, high, low } = bars;
    switch (node.kind) {
      case "sma":
        out = sma(close, num(node.period));
        break;
      case "ema":
        out = ema(close, num(node.period));
        break;
      case "rsi":
        out = rsi(close, num(node.period));
        break;
      case "atr":
        out = atr(high, low, close, num(node.period));
        break;
      case "donchian":
        out = donchian(high, low, num(node.period))[node.band];
        break;
      case "bollinger":
        out = bollinger(close, num(node.period), num(node.stdDev))[node.band];
        break;
      case "macd": {
        // The MACD line does not depend on the signal span; 1 stands in when none is given.
        const lines = macd(
          close,
          num(node.fast),
          num(node.slow),
          node.signal ? num(node.signal) : 1,
        );
        out = lines[node.line];
        break;
      }
    }
    memo.set(key, out);
    return out;
  };

  const value = (node: SeriesNode, i: number): number => {
    if (i < 0) return Number.NaN; // before the first bar: undefined
    switch (node.kind) {
      case "constant":
        return num(node.value);
      case "field":
        return bars[node.field][i];
      case "named":
        return value(parsed.series.get(node.name) as SeriesNode, i);
      case "previous":
        return value(node.of, i - num(node.bars));
      default:
        return indicator(node)[i];
    }
  };
  const holds = (node: CondNode, i: number): boolean => {
    switch (node.kind) {
      case "compare": {
        const a = value(node.left, i);
        const b = value(node.right, i);
        if (node.op === "<") return a < b;
        if (node.op === "<=") return a <= b;
        if (node.op === ">") return a > b;
        return a >= b;
      }
      case "crossesAbove":
        return (
          value(node.left, i - 1) < value(node.right, i - 1) &&
          value(node.left, i) > value(node.right, i)
        );
      case "and":
        return node.operands.every((c) => holds(c, i));
      case "or":
        return node.operands.some((c) => holds(c, i));
      case "not":
        return !holds(node.operand, i);
      case "heldFor": {
        const span = num(node.bars);
        for (let j = i - span + 1; j <= i; j++) if (j < 0 || !holds(node.operand, j)) return false;
        return true;
      }
    }
  };

  // The start: every indicator node, wherever it sits, unshifted.
  const indicators: IndicatorNode[] = [];
  const collectSeries = (node: SeriesNode): void => {
    if (node.kind === "previous") collectSeries(node.of);
    else if (node.kind !== "constant" && node.kind !== "field" && node.kind !== "named") {
      indicators.push(node);
    }
  };
  const collectCond = (node: CondNode | undefined): void => {
    if (node === undefined) return;
    if (node.kind === "compare" || node.kind === "crossesAbove") {
      collectSeries(node.left);
      collectSeries(node.right);
    } else if (node.kind === "and" || node.kind === "or") {
      node.operands.forEach(collectCond);
    } else if (node.kind === "not" || node.kind === "heldFor") {
      collectCond(node.operand);
    }
  };
  for (const node of parsed.series.values()) collectSeries(node);
  for (const rule of [parsed.entryLong, parsed.entryShort, parsed.exitLong, parsed.exitShort]) {
    collectCond(rule);
  }
  for (const level of [parsed.stopLoss, parsed.takeProfit]) {
    if (level?.kind === "atr") indicators.push({ kind: "atr", period: level.period });
  }
  let warmup = 0;
  for (const node of indicators) warmup = Math.max(warmup, firstDefined(indicator(node)));

  const bits = new Uint8Array(bars.length);
  for (let i = warmup + 1; i < bars.length; i++) {
    let b = 0;
    if (parsed.entryLong && holds(parsed.entryLong, i)) b |= SIGNAL_LONG;
    if (parsed.entryShort && holds(parsed.entryShort, i)) b |= SIGNAL_SHORT;
    if (parsed.exitLong && holds(parsed.exitLong, i)) b |= SIGNAL_EXIT_LONG;
    if (parsed.exitShort && holds(parsed.exitShort, i)) b |= SIGNAL_EXIT_SHORT;
    bits[i] = b;
  }
  return { warmup, bits };
}
