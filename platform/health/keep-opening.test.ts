// keepOpening(): retries a failing open with capped backoff, logs each outage once, and stops cleanly.
import { describe, expect, it } from "vitest";
import type { Logger } from "../log.ts";
import { keepOpening } from "./keep-opening.ts";

interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

function recordingLogger(lines: Line[]): Logger {
  const logger: Logger = {
    debug: (message, fields) => lines.push({ level: "debug", message, fields }),
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
    child: () => logger,
  };
  return logger;
}

/** An `open` that fails `failures` times (recording when), then gives a fresh resource. */
function flakyOpen(failures: number) {
  const calls: number[] = [];
  const closed: number[] = [];
  const open = async () => {
    calls.push(Date.now());
    if (calls.length <= failures) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
    return { id: calls.length };
  };
  const close = async (r: { id: number }) => {
    closed.push(r.id);
  };
  return { open, close, calls, closed };
}

describe("keepOpening", () => {
  it("opens at once when the dependency is up", async () => {
    const flaky = flakyOpen(0);
    const opening = keepOpening(flaky.open, { what: "db", log: recordingLogger([]), ...flaky });
    expect(await opening.opened).toEqual({ id: 1 });
    expect(opening.value).toEqual({ id: 1 });
    await opening.stop();
    expect(flaky.closed).toEqual([1]);
  });

  it("retries with doubling waits up to the cap until an attempt works", async () => {
    const flaky = flakyOpen(4);
    const opening = keepOpening(flaky.open, {
      what: "db",
      log: recordingLogger([]),
      close: flaky.close,
      initialDelayMs: 10,
      maxDelayMs: 40,
    });
    expect(opening.value).toBeUndefined();
    expect(await opening.opened).toEqual({ id: 5 });
    const waits = flaky.calls.slice(1).map((at, i) => at - flaky.calls[i]);
    // 10, 20, 40, 40 ms: doubled, then capped (timers fire no earlier than asked).
    expect(waits.map((w, i) => w >= [10, 20, 40, 40][i] - 2)).toEqual([true, true, true, true]);
    expect(Math.max(...waits)).toBeLessThan(400);
    await opening.stop();
  });

  it("logs the first failure and the recovery, not every attempt", async () => {
    const lines: Line[] = [];
    const flaky = flakyOpen(3);
    const opening = keepOpening(flaky.open, {
      what: "database",
      log: recordingLogger(lines),
      close: flaky.close,
      initialDelayMs: 5,
    });
    await opening.opened;
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ["warn", "database not reachable; retrying in the background"],
      ["info", "database open"],
    ]);
    expect(lines[0].fields).toMatchObject({ error: expect.stringContaining("ECONNREFUSED") });
    expect(lines[1].fields).toEqual({ attempts: 4 });
    await opening.stop();
  });

  it("stops retrying on stop, and closes what an attempt opens after it", async () => {
    const flaky = flakyOpen(Number.POSITIVE_INFINITY);
    const opening = keepOpening(flaky.open, {
      what: "db",
      log: recordingLogger([]),
      close: flaky.close,
      initialDelayMs: 5,
    });
    await new Promise((r) => setTimeout(r, 30));
    await opening.stop();
    const attempts = flaky.calls.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(flaky.calls.length).toBe(attempts);
    expect(opening.value).toBeUndefined();

    let release: () => void = () => {};
    const slow = keepOpening(
      () => new Promise<{ id: number }>((resolve) => (release = () => resolve({ id: 7 }))),
      { what: "db", log: recordingLogger([]), close: flaky.close },
    );
    const stopped = slow.stop();
    release();
    await stopped;
    expect(flaky.closed).toEqual([7]);
    expect(slow.value).toBeUndefined();
  });
});
