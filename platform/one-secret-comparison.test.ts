// Tokens and signatures are compared in one place only: platform/same-secret.ts.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { repositoryFiles } from "../test-support/test-files.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The helper, and this file, which has to name what it looks for. */
const ALLOWED = new Set(["platform/same-secret.ts", "platform/one-secret-comparison.test.ts"]);
const CODE = /\.(ts|js|mjs|cjs)$/;

/** Files under the repository (outside node_modules, dist and ALLOWED) that call timingSafeEqual. */
function comparingElsewhere(files: readonly string[], read: (file: string) => string): string[] {
  return files.filter(
    (f) =>
      CODE.test(f) &&
      !f.startsWith("dist/") &&
      !ALLOWED.has(f) &&
      read(f).includes("timingSafeEqual"),
  );
}

describe("secret comparison", () => {
  it("uses timingSafeEqual nowhere but platform/same-secret.ts (three copies, two with a length check first, were the bug)", () => {
    const offenders = comparingElsewhere(repositoryFiles(ROOT), (f) =>
      readFileSync(`${ROOT}/${f}`, "utf8"),
    );
    expect(offenders, "compare tokens and signatures with sameSecret").toEqual([]);
  });

  it("finds a copy where there is one", () => {
    const files = { "functions/x/auth.ts": "a.length === b.length && timingSafeEqual(a, b)" };
    expect(comparingElsewhere(Object.keys(files), (f) => files[f as keyof typeof files])).toEqual([
      "functions/x/auth.ts",
    ]);
  });
});
