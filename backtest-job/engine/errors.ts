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

/** One problem of an input, at a dotted path inside it (`entry.long.and.1`). */
export interface IssueAt {
  readonly path: string;
  readonly message: string;
}

/** A strategy definition that cannot be run: every problem found, each with its path. */
export class InvalidDefinition extends EngineError {
  readonly issues: readonly IssueAt[];
  /** The first problem's path, relative to the definition's root ("" for the root). */
  readonly path: string;
  constructor(issues: readonly IssueAt[]) {
    const listed = issues.map((i) => `${i.path || "(definition)"}: ${i.message}`).join("; ");
    super("invalid_definition", `invalid strategy definition: ${listed}`);
    this.issues = issues;
    this.path = issues[0]?.path ?? "";
  }
}
