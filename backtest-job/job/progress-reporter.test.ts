import { describe, expect, it } from "vitest";
import { ProgressReporter } from "./progress-reporter.ts";

describe("ProgressReporter", () => {
  it("sends at most once per interval, and never the final count", async () => {
    let now = 0;
    const sent: number[] = [];
    const reporter = new ProgressReporter(async (done) => void sent.push(done), {
      intervalMs: 1000,
      onError: () => undefined,
      now: () => now,
    });
    reporter.report(10, 100); // too soon after the start
    now = 1000;
    reporter.report(20, 100);
    await Promise.resolve();
    now = 1500;
    reporter.report(30, 100);
    now = 2000;
    await reporter.close();
    now = 3000;
    reporter.report(40, 100); // closed
    reporter.report(100, 100);
    expect(sent).toEqual([20]);
  });

  it("keeps one send in flight and hands failures to onError", async () => {
    let now = 0;
    let release: () => void = () => undefined;
    const errors: unknown[] = [];
    let calls = 0;
    const reporter = new ProgressReporter(
      () => {
        calls++;
        return new Promise<void>((_, reject) => {
          release = () => reject(new Error("broker down"));
        });
      },
      { intervalMs: 0, onError: (e) => errors.push(e), now: () => now++ },
    );
    reporter.report(1, 10);
    reporter.report(2, 10); // the first is still in flight
    expect(calls).toBe(1);
    release();
    await reporter.close();
    expect(errors).toHaveLength(1);
  });
});
