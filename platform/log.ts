// Structured logs: one JSON object per line on stderr, with the component and any context, credentials taken out.
import { redactFields, redactText } from "./redact.ts";

/** Logs a message with fields; `child` adds fields (run id, event id, traceparent) to every line. */
export interface Logger {
  /** What only someone chasing a problem wants: an expected client abort, say. Off by default. */
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** The levels, least severe first; `silent` writes nothing. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where lines go and from which level; tests capture lines with `write`. */
export interface LoggerOptions {
  /** Default: LOG_LEVEL from the environment, else `info`. */
  readonly level?: LogLevel;
  /** Receives each line, newline included. Default: process.stderr. */
  readonly write?: (line: string) => void;
}

const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level);

/** LOG_LEVEL if it names a level, else `info`. */
export function levelFromEnv(env: Record<string, string | undefined> = process.env): LogLevel {
  const wanted = env.LOG_LEVEL?.toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(wanted ?? "") ? (wanted as LogLevel) : "info";
}

/**
 * A logger for `component`. Every line is redacted on its way out (platform/redact.ts): URL
 * userinfo and query values in the message and in every string field, and fields named like
 * credentials, so no call site has to remember. Set LOG_LEVEL=silent to mute it (tests) or
 * LOG_LEVEL=debug to see debug lines.
 *
 * @example createLogger("stack").child({ runId }).warn("callback failed", { error: String(e) })
 */
export function createLogger(
  component: string,
  base: Record<string, unknown> = {},
  options: LoggerOptions = {},
): Logger {
  const level = options.level ?? levelFromEnv();
  const threshold = rank(level);
  const out = options.write ?? ((line: string) => void process.stderr.write(line));
  // Redacted once here, not on every line: redaction is per field, so the result is the same.
  const safeBase = redactFields(base);
  const write = (lineLevel: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (rank(lineLevel) < threshold) return;
    const line = {
      time: new Date().toISOString(),
      level: lineLevel,
      component,
      message: redactText(message),
      ...safeBase,
      ...(fields ? redactFields(fields) : {}),
    };
    out(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(component, { ...base, ...fields }, { level, write: out }),
  };
}

/** A Logger that writes nothing, whatever LOG_LEVEL says: a default for optional loggers, and tests. */
export function silentLogger(): Logger {
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    child: () => log,
  };
  return log;
}
