// Which errors are the user's (exit 2) and which are ours (exit 1), and the one-line rule.
import { describe, expect, it } from "vitest";
import { CsvError, InvalidParams } from "../engine/errors.ts";
import { BadInput, blame } from "./bad-input.ts";
import { EXIT, reportError } from "./exit-code.ts";

describe("reportError", () => {
  it("maps BadInput and engine errors to exit 2", () => {
    expect(reportError(new BadInput("--top: nope"))).toEqual({
      exitCode: EXIT.badInput,
      line: "error: --top: nope",
    });
    expect(reportError(new CsvError('"x" is not a number', 3, "Close")).line).toBe(
      'error: CSV line 3, column Close: "x" is not a number',
    );
    expect(reportError(new InvalidParams("bad")).exitCode).toBe(2);
  });

  it("maps anything else to exit 1, marked internal", () => {
    expect(reportError(new TypeError("x is undefined"))).toEqual({
      exitCode: EXIT.internal,
      line: "error: internal: x is undefined",
    });
    expect(reportError("a thrown string").line).toBe("error: internal: a thrown string");
  });

  it("folds a multi-line message onto one line", () => {
    expect(reportError(new BadInput("first\n  second\nthird")).line).toBe(
      "error: first second third",
    );
  });
});

describe("blame", () => {
  it("prefixes an engine error with the flag and keeps it as the cause", () => {
    const cause = new InvalidParams("grid.fast: the list is empty");
    let caught: unknown;
    try {
      blame("--grid", () => {
        throw cause;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadInput);
    expect((caught as BadInput).message).toBe("--grid: grid.fast: the list is empty");
    expect((caught as BadInput).cause).toBe(cause);
  });

  it("lets other errors through unchanged, since they are bugs, not bad input", () => {
    const bug = new RangeError("oops");
    expect(() =>
      blame("--grid", () => {
        throw bug;
      }),
    ).toThrow(bug);
  });
});
