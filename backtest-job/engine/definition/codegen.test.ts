// Proves the generated loop is made of our vocabulary only: no name, number or string of a definition.
import { describe, expect, it } from "vitest";
import { kernelSource } from "./codegen.ts";
import { parseDefinition } from "./parse.ts";
import { layoutKernel } from "./plan.ts";
import type { Definition } from "./schema.ts";
import { randomDefinition } from "./test-support/random-definition.ts";

const source = (d: unknown) => kernelSource(layoutKernel(parseDefinition(d)));

// The whole vocabulary of a kernel: keywords, the function's parameters and locals, numbered
// locals, the operators it writes, slot indices into S and C, and the literals 0, 1, 2, 4, 8.
const WORDS = new Set(["const", "let", "for", "if", "return", "NaN"]);
const NAMES = new Set(["S", "C", "start", "n", "bars", "bits", "i", "m", "b", "g"]);
const NUMBERED = /^[scvh]\d{1,3}$/;
const LITERALS = new Set(["0", "1", "2", "4", "8"]);
const OPERATORS = [
  "!==",
  "&&",
  "||",
  "|=",
  "<=",
  ">=",
  "++",
  "<",
  ">",
  "=",
  "!",
  "?",
  ":",
  ";",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "|",
  "+",
  "-",
];

/** The tokens of `text`, or throws at the first character outside the vocabulary. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let rest = text.replace(/^"use strict";/, "");
  while (rest.length > 0) {
    const space = /^\s+/.exec(rest);
    if (space) {
      rest = rest.slice(space[0].length);
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*|^\d+/.exec(rest)?.[0];
    const token = word ?? OPERATORS.find((op) => rest.startsWith(op));
    if (token === undefined) throw new Error(`outside the vocabulary: ${rest.slice(0, 20)}`);
    const known = WORDS.has(token) || NAMES.has(token) || NUMBERED.test(token);
    // A number is a slot index (`S[3]`, `C[12]`) or one of the literals.
    const index = /^\d+$/.test(token) && out.at(-1) === "[" && /^[SC]$/.test(out.at(-2) ?? "");
    if (word !== undefined && !known && !LITERALS.has(token) && !index) {
      throw new Error(`not one of our identifiers or literals: ${token}`);
    }
    out.push(token);
    rest = rest.slice(token.length);
  }
  return out;
}

/** A definition whose every name and number is an injection attempt. */
const hostile: Definition = {
  name: 'x"); process.exit(1); ("',
  description: "` + globalThis.process.exit(1) + ` */ return 1; /*",
  parameters: {
    constructor: { min: 0, max: 1e300 },
    __defineGetter__: { integer: true, min: 1, max: 9999 },
  },
  series: {
    toString: { sma: { period: { param: "__defineGetter__" } } },
    return_1: { previous: "toString", bars: 7777 },
    require: { bollinger: { period: 4321, stdDev: 2.4681, band: "upper" } },
  },
  entry: {
    long: {
      and: [
        { crossesAbove: ["toString", "return_1"] },
        { ">": ["require", { param: "constructor" }] },
        { heldFor: { bars: 1234, condition: { "<": ["close", 98765.4321] } } },
      ],
    },
    short: { not: { ">=": [-0.000271828, { previous: 1e-7, bars: 3333 }] } },
  },
  exit: { long: { "<=": ["volume", 31337] } },
};

describe("kernelSource", () => {
  it("writes none of a definition's names, numbers or strings into the source", () => {
    const text = source(hostile);
    for (const needle of [
      "process",
      "globalThis",
      "constructor",
      "__defineGetter__",
      "toString",
      "return_1",
      "require",
      "4321",
      "2.4681",
      "7777",
      "1234",
      "98765",
      "0.000271828",
      "1e-7",
      "3333",
      "31337",
      "9999",
      "volume",
      "close",
    ]) {
      expect(text, needle).not.toContain(needle);
    }
    expect(() => tokens(text)).not.toThrow();
  });

  it("depends on the definition's shape only: other names and numbers give the same text", () => {
    const renamed = JSON.parse(
      JSON.stringify(hostile)
        .replaceAll("toString", "fastLine")
        .replaceAll("return_1", "other")
        .replaceAll("constructor", "level")
        .replaceAll("__defineGetter__", "p")
        .replace("4321", "20")
        .replace("7777", "1")
        .replace("98765.4321", "5"),
    );
    expect(source(renamed)).toBe(source(hostile));
  });

  it("keeps to the vocabulary for random definitions over the whole language", () => {
    for (let seed = 0; seed < 300; seed++) {
      const text = source(randomDefinition(seed, true).definition);
      expect(() => tokens(text), `seed ${seed}`).not.toThrow();
    }
  });

  it("the vocabulary check refuses what it must: a stray name, literal or string", () => {
    expect(() => tokens("const v0 = s0[i];")).not.toThrow();
    expect(() => tokens("const v0 = process;")).toThrow(/process/);
    expect(() => tokens("const v0 = 3;")).toThrow(/3/);
    expect(() => tokens('const v0 = "x";')).toThrow(/outside/);
    expect(() => tokens("const v0 = s0[i] * 2;")).toThrow(/outside/);
    expect(() => tokens("const v0 = s0[12];")).toThrow(/12/);
    expect(() => tokens("s0.constructor")).toThrow(/outside/);
  });
});
