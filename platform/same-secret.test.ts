import { describe, expect, it } from "vitest";
import { sameSecret } from "./same-secret.ts";

describe("sameSecret", () => {
  it("is true for equal strings and equal bytes", () => {
    expect(sameSecret("s3cret-token", "s3cret-token")).toBe(true);
    expect(sameSecret(Buffer.from([1, 2, 3]), Uint8Array.from([1, 2, 3]))).toBe(true);
  });

  it("is false for a different value of the same length, a prefix and an empty string", () => {
    expect(sameSecret("s3cret-tokem", "s3cret-token")).toBe(false);
    expect(sameSecret("s3cret", "s3cret-token")).toBe(false);
    expect(sameSecret("", "s3cret-token")).toBe(false);
  });

  it("compares strings and their UTF-8 bytes alike", () => {
    expect(sameSecret("é", Buffer.from("é", "utf8"))).toBe(true);
  });
});
