// A bounded tail of a child's output lines, printed when a scenario fails.

/** Keeps the last `capacity` lines, each cut to `maxLineLength` characters. */
export class LineRing {
  readonly #lines: string[] = [];
  /** The unfinished last line of each stream. */
  readonly #partial = new Map<string, string>();
  #dropped = 0;

  constructor(
    private readonly capacity = 600,
    private readonly maxLineLength = 1_000,
  ) {}

  /** Adds a chunk of `stream`; lines are tagged with the stream's name. */
  push(stream: string, chunk: string): void {
    const text = (this.#partial.get(stream) ?? "") + chunk;
    const lines = text.split("\n");
    this.#partial.set(stream, lines.pop() ?? "");
    for (const line of lines) this.add(`[${stream}] ${line}`);
  }

  /** Adds one line as is (markers such as "--- restart ---"). */
  add(line: string): void {
    this.#lines.push(
      line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}…` : line,
    );
    if (this.#lines.length > this.capacity) {
      this.#lines.shift();
      this.#dropped++;
    }
  }

  /** The kept lines, with a note of how many older ones were dropped. */
  text(): string {
    const head = this.#dropped > 0 ? [`(${this.#dropped} earlier lines dropped)`] : [];
    const tails = [...this.#partial].filter(([, l]) => l).map(([s, l]) => `[${s}] ${l}`);
    return [...head, ...this.#lines, ...tails].join("\n");
  }
}
