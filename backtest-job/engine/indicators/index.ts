// The indicator library: pure Float64Array-in, Float64Array-out functions, NaN during warm-up.

export { atr } from "./atr.ts";
export {
  type BollingerBands,
  bandsInto,
  bollinger,
  checkStdDev,
  rollingDeviation,
} from "./bollinger.ts";
export { type DonchianChannels, donchian } from "./donchian.ts";
export { ema, emaInto } from "./ema.ts";
export { type MacdLines, macd, macdLineInto } from "./macd.ts";
export { rsi } from "./rsi.ts";
export { sma } from "./sma.ts";
