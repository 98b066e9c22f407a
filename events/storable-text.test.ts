// Proves storable text: NUL and lone surrogates are found, named and refused in every request string.
import { describe, expect, it } from "vitest";
import { BacktestRequestSchema } from "./backtest-request.ts";
import { escapeUnstorable, storableTextProblem } from "./storable-text.ts";

const NUL = "\u0000";
const HIGH = "\ud83d"; // the first half of 🚀, alone
const LOW = "\ude80"; // the second half of 🚀, alone
const ROCKET = "\ud83d\ude80";

describe("storableTextProblem", () => {
  it("accepts plain text, text beyond the BMP and the empty string", () => {
    for (const text of ["", "sma-crossover", "time,close\n1,2", `rocket ${ROCKET}`, "é ü 中"]) {
      expect(storableTextProblem(text), text).toBeUndefined();
    }
  });

  it("names U+0000 and the character it is at", () => {
    expect(storableTextProblem(`ab${NUL}c`)).toBe(
      "contains U+0000 (NUL) at character 2, which cannot be stored",
    );
    expect(storableTextProblem(NUL)).toMatch(/U\+0000 \(NUL\) at character 0,/);
  });

  it("names a high surrogate not followed by a low one, at the end or before another character", () => {
    expect(storableTextProblem(`ab${HIGH}`)).toBe(
      "contains a lone surrogate (U+D83D) at character 2, which cannot be stored",
    );
    expect(storableTextProblem(`${HIGH}x${LOW}`)).toMatch(/\(U\+D83D\) at character 0,/);
    expect(storableTextProblem(`${HIGH}${HIGH}${LOW}`)).toMatch(/\(U\+D83D\) at character 0,/);
  });

  it("names a low surrogate not preceded by a high one, including a pair in the wrong order", () => {
    expect(storableTextProblem(`${LOW}ab`)).toMatch(/\(U\+DE80\) at character 0,/);
    expect(storableTextProblem(`${ROCKET}${LOW}`)).toMatch(/\(U\+DE80\) at character 2,/);
    expect(storableTextProblem(`x${LOW}${HIGH}`)).toMatch(/\(U\+DE80\) at character 1,/);
  });

  it("reports the first problem of several", () => {
    expect(storableTextProblem(`a${ROCKET}${HIGH}${NUL}`)).toMatch(/lone surrogate .* 3,/);
  });
});

describe("escapeUnstorable", () => {
  it("writes NUL and lone surrogates as \\u escapes and leaves the rest alone", () => {
    expect(escapeUnstorable(`sl${NUL}ow${HIGH}-${ROCKET}${LOW}`)).toBe(
      `sl\\u0000ow\\ud83d-${ROCKET}\\ude80`,
    );
    expect(escapeUnstorable("fast")).toBe("fast");
  });
});

describe("BacktestRequestSchema refuses text Postgres cannot store in every string", () => {
  const base = {
    strategy: "sma-crossover",
    params: { fast: 5, slow: 20 },
    data: { synthetic: { bars: 300, seed: 1 } },
  };
  // [path the issue names, a request holding `text` in that string]
  const fields: [string, (text: string) => unknown][] = [
    ["strategy", (t) => ({ ...base, strategy: `sma${t}` })],
    ["label", (t) => ({ ...base, label: `run ${t}` })],
    ["data.csv", (t) => ({ ...base, data: { csv: `time,close\n1,${t}` } })],
    ["data.path", (t) => ({ ...base, data: { path: `prices${t}.csv` } })],
    ["data.url", (t) => ({ ...base, data: { url: `https://example.com/${t}.csv` } })],
    ["callbackUrl", (t) => ({ ...base, callbackUrl: `https://example.com/hook?${t}` })],
  ];
  // A parameter name is a record key: its path is the key itself.
  const key = (t: string) => ({ ...base, params: { fast: 5, [`sl${t}ow`]: 20 } });
  const bad: [string, string, RegExp][] = [
    ["U+0000", NUL, /^contains U\+0000 \(NUL\) at character \d+, which cannot be stored$/],
    ["a lone high surrogate", HIGH, /^contains a lone surrogate \(U\+D83D\) at character \d+,/],
    ["a lone low surrogate", LOW, /^contains a lone surrogate \(U\+DE80\) at character \d+,/],
  ];

  /** The messages of the issues at `path`, after a parse that must fail. */
  function issuesAt(body: unknown, path: string): string[] {
    const result = BacktestRequestSchema.safeParse(body);
    expect(result.success).toBe(false);
    return result.error!.issues.filter((i) => i.path.join(".") === path).map((i) => i.message);
  }

  describe.each(fields)("%s", (path, make) => {
    it.each(bad)("refuses %s, naming the field", (_, text, says) => {
      expect(issuesAt(make(text), path)).toEqual(
        expect.arrayContaining([expect.stringMatching(says)]),
      );
    });

    it("accepts a surrogate pair (an emoji) as storable", () => {
      const result = BacktestRequestSchema.safeParse(make(ROCKET));
      const storable = result.error?.issues.filter((i) => /cannot be stored/.test(i.message));
      expect(storable ?? []).toEqual([]);
      // A data-set path is ASCII by its own rule; every other field takes the emoji.
      expect(result.success).toBe(path !== "data.path");
    });
  });

  describe("a parameter name (a key of params)", () => {
    it.each(bad)("refuses %s, with the key in the path", (_, text, says) => {
      const issue = BacktestRequestSchema.safeParse(key(text)).error!.issues[0];
      expect(issue.path).toEqual(["params", `sl${text}ow`]);
      expect(issue.code).toBe("invalid_key");
      // zod wraps the key's own issue; validate-request.ts unwraps it for the 400.
      expect(issue.code === "invalid_key" && issue.issues.map((i) => i.message)).toEqual([
        expect.stringMatching(says),
      ]);
    });

    it("accepts a surrogate pair (an emoji) in a name", () => {
      expect(BacktestRequestSchema.safeParse(key(ROCKET)).success).toBe(true);
    });
  });
});
