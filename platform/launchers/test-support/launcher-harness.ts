// LocalJobLauncher under test: children are small `node -e` scripts that note what they do in a file.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CloudEvent } from "cloudevents";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { BacktestRequest, Publisher, ShardFailed } from "../../../events/index.ts";
import type { Logger } from "../../log.ts";
import type { ShardSpec } from "../../ports.ts";
import { LocalJobLauncher, type LocalJobLauncherOptions } from "../local-job-launcher.ts";

export const SILENT: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => SILENT,
};

export const REQUEST: BacktestRequest = {
  strategy: "sma-crossover",
  params: { fast: 5, slow: 20 },
  data: { synthetic: { bars: 100, seed: 1 } },
  sort: "sharpeRatio",
};

/** A valid run id made of one letter; the harness cancels runs "a" to "p" after each test. */
export const runId = (letter: string) => `run_${letter.repeat(26)}`;

export const shards = (id: string, count: number, traceparent?: string): ShardSpec[] =>
  Array.from({ length: count }, (_, shardIndex) => ({
    runId: id,
    shardIndex,
    shardCount: count,
    request: REQUEST,
    traceparent,
  }));

/** Polls until `check` holds. */
export async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Appends one line to $OUT from inside a child script. */
export const note = (what: string) =>
  `require("fs").appendFileSync(process.env.OUT, ${what} + "\\n");`;

/** What {@link useLaunchers}' `make` gives: the launcher and what it and its children did. */
export interface Harness {
  readonly launcher: LocalJobLauncher;
  /** Everything the launcher published. */
  readonly events: CloudEvent<unknown>[];
  /** The lines the children appended to $OUT, in order. */
  lines(): Promise<string[]>;
  failures(): ShardFailed[];
  /** The $OUT file of the children. */
  readonly out: string;
}

/**
 * Registers the hooks of a test file (a temp folder; no child left behind after a test) and
 * returns `make(name, script, options)`: a launcher whose children run `script` with `node -e`,
 * with a recording publisher; `options.env` is added to $OUT.
 */
export function useLaunchers(): (
  name: string,
  script: string,
  options?: Partial<LocalJobLauncherOptions>,
) => Harness {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "launcher-"));
  });
  // Guarded: when beforeAll failed, its error is the one to see, not a TypeError here.
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  const launchers: LocalJobLauncher[] = [];
  afterEach(async () => {
    for (const l of launchers.splice(0)) {
      for (const letter of "abcdefghijklmnop") await l.cancel(runId(letter));
      await l.drain(5_000);
    }
  });

  return (name, script, options = {}) => {
    const events: CloudEvent<unknown>[] = [];
    const publisher: Publisher = { publish: async (e) => void events.push(e) };
    const out = path.join(dir, `${name}.log`);
    const launcher = new LocalJobLauncher({
      sinkUrl: "http://broker.local/",
      publisher,
      concurrency: 4,
      deadlineSeconds: 10,
      command: { file: process.execPath, args: ["-e", script] },
      retryDelayMs: 0,
      echoStderr: false,
      log: SILENT,
      ...options,
      env: { OUT: out, ...options.env },
    });
    launchers.push(launcher);
    const lines = async () =>
      (await readFile(out, "utf8").catch(() => "")).split("\n").filter(Boolean);
    return {
      launcher,
      events,
      lines,
      out,
      failures: () => events.map((e) => e.data as ShardFailed),
    };
  };
}
