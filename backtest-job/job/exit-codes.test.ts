import { describe, expect, it } from "vitest";
import { PublishError } from "../../events/index.ts";
import { CsvError, InvalidParams } from "../engine/errors.ts";
import { classifyFailure, EXIT } from "./exit-codes.ts";
import { BadInput, TransientFailure } from "./job-errors.ts";

describe("classifyFailure", () => {
  it.each([
    [new BadInput('data "x" not found'), EXIT.badInput, "bad_input"],
    [new InvalidParams("grid: missing parameter slow"), EXIT.badInput, "bad_input"],
    [new CsvError("not a number", 3, "close"), EXIT.badInput, "bad_input"],
    [new TransientFailure("data url answered HTTP 503"), EXIT.transient, "transient"],
    [new PublishError("broker unreachable"), EXIT.transient, "transient"],
    [new PublishError("broker answered 503", 503), EXIT.transient, "transient"],
    [new PublishError("broker answered 429", 429), EXIT.transient, "transient"],
    [new PublishError("broker answered 400", 400), EXIT.unexpected, "crashed"],
    [new TypeError("x is undefined"), EXIT.unexpected, "crashed"],
  ] as const)("%s -> exit %i, %s", (error, exitCode, code) => {
    expect(classifyFailure(error)).toMatchObject({ exitCode, code });
  });

  it("keeps reasons on one line and within the 2,000 characters of shard.failed", () => {
    const { reason } = classifyFailure(new BadInput(`first\n  second ${"x".repeat(3000)}`));
    expect(reason.startsWith("first second")).toBe(true);
    expect(reason.length).toBe(2000);
  });

  it("uses the exit codes launchers and the Indexed Job's podFailurePolicy rely on", () => {
    expect(EXIT).toEqual({ ok: 0, unexpected: 1, badInput: 2, transient: 75 });
  });
});
