// Keeps the last few lines of a stream's text, for saying why a child process died.

/**
 * The last `maxLines` lines written to it, each cut to its last `maxLineLength` characters,
 * so a child that floods stderr costs a bounded amount of memory.
 * @example const tail = new LineTail(); child.stderr.on("data", (t) => tail.push(t)); tail.lines();
 */
export class LineTail {
  readonly #maxLines: number;
  readonly #maxLineLength: number;
  readonly #lines: string[] = [];
  #partial = "";

  constructor(maxLines = 5, maxLineLength = 300) {
    this.#maxLines = maxLines;
    this.#maxLineLength = maxLineLength;
  }

  push(text: string): void {
    const pieces = (this.#partial + text).split("\n");
    this.#partial = this.#cut(pieces.pop() ?? "");
    for (const piece of pieces) {
      const line = this.#cut(piece.replace(/\r$/, "").trimEnd());
      if (line === "") continue;
      this.#lines.push(line);
      if (this.#lines.length > this.#maxLines) this.#lines.shift();
    }
  }

  /** The kept lines, oldest first, with an unfinished last line included. */
  lines(): string[] {
    const partial = this.#partial.trimEnd();
    return partial ? [...this.#lines, partial].slice(-this.#maxLines) : [...this.#lines];
  }

  #cut(line: string): string {
    return line.length > this.#maxLineLength ? `…${line.slice(-this.#maxLineLength)}` : line;
  }
}
