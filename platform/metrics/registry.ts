// The process's one Prometheus registry, with Node's default metrics collected into it once.
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * Every metric of this process registers here, and `/metrics` serves exactly this registry
 * (never prom-client's global one, which a dependency could fill).
 */
export const metricsRegistry = new Registry();

// Module evaluation happens once per process, so the default collectors are added once:
// a second collectDefaultMetrics on the same registry would throw on the duplicate names.
collectDefaultMetrics({ register: metricsRegistry });
