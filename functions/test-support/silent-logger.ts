// A Logger that writes nothing, so tests stay quiet whatever LOG_LEVEL says.
export { silentLogger } from "../../platform/log.ts";
