// The indicator library: pure Float64Array-in, Float64Array-out functions, NaN during warm-up.

export { atr } from "./atr.ts";
export { type BollingerBands, bollinger } from "./bollinger.ts";
export { type DonchianChannels, donchian } from "./donchian.ts";
export { ema } from "./ema.ts";
export { type MacdLines, macd } from "./macd.ts";
export { rsi } from "./rsi.ts";
export { sma } from "./sma.ts";
