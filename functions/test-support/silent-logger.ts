// A Logger that writes nothing, so tests stay quiet whatever LOG_LEVEL says.
import type { Logger } from "../../platform/log.ts";

export function silentLogger(): Logger {
  const log: Logger = { info: () => {}, warn: () => {}, error: () => {}, child: () => log };
  return log;
}
