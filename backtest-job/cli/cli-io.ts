// The CLI's view of the outside world: where text goes and whether a human is watching.

/**
 * Where the CLI writes. Injected so tests can run `main` in-process and read what it printed.
 * `stdout` carries results only (a table or one JSON object); everything else goes to `stderr`.
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal, so a redrawn progress line will not litter a log file. */
  readonly stderrIsTTY: boolean;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
