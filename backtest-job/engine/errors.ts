// Named engine errors: each carries a stable code and says what was wrong and where.

/** Base class: `code` is stable and machine-readable, `message` is one line for humans. */
export class EngineError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A CSV problem, located by 1-based line number and column name. */
export class CsvError extends EngineError {
  readonly line: number;
  readonly column: string | undefined;
  constructor(message: string, line: number, column?: string) {
    super("invalid_csv", `CSV line ${line}${column ? `, column ${column}` : ""}: ${message}`);
    this.line = line;
    this.column = column;
  }
}

/** A strategy name, parameter, grid or option that cannot be used. */
export class InvalidParams extends EngineError {
  constructor(message: string) {
    super("invalid_params", message);
  }
}
