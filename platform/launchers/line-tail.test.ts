import { describe, expect, it } from "vitest";
import { LineTail } from "./line-tail.ts";

describe("LineTail", () => {
  it("keeps the last lines across chunk boundaries, with an unfinished line", () => {
    const tail = new LineTail(3);
    tail.push("one\ntw");
    tail.push("o\r\n\nthree\nfour\nfi");
    expect(tail.lines()).toEqual(["three", "four", "fi"]);
  });

  it("cuts long lines to their end, so a flood stays small", () => {
    const tail = new LineTail(2, 5);
    tail.push(`${"x".repeat(1000)}error`);
    expect(tail.lines()).toEqual(["…error"]);
  });
});
