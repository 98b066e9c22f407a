// Structured logs: one JSON object per line on stderr, with the component and any context.

/** Logs a message with fields; `child` adds fields (run id, event id, traceparent) to every line. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** A logger for `component`; set LOG_LEVEL=silent to mute it (tests). */
export function createLogger(component: string, base: Record<string, unknown> = {}): Logger {
  const silent = process.env.LOG_LEVEL === "silent";
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (silent) return;
    const line = { time: new Date().toISOString(), level, component, message, ...base, ...fields };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(component, { ...base, ...fields }),
  };
}
