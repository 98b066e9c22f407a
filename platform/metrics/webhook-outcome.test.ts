// Webhook outcomes and source labels, as both ingest adapters record them.
import { describe, expect, it } from "vitest";
import {
  Conflict,
  Forbidden,
  InvalidRequest,
  NotFound,
  PayloadTooLarge,
  TooManyRequests,
  Unauthorized,
  Unavailable,
} from "../http/http-errors.ts";
import { acceptedOutcome, webhookOutcomeOf, webhookSourceLabel } from "./webhook-outcome.ts";

describe("webhookOutcomeOf", () => {
  it("maps every named refusal of ingest to its outcome", () => {
    expect(webhookOutcomeOf(new Unauthorized("bad signature"))).toBe("unauthorized");
    expect(webhookOutcomeOf(new Forbidden("ip"))).toBe("forbidden");
    expect(webhookOutcomeOf(new InvalidRequest("schema"))).toBe("invalid");
    expect(webhookOutcomeOf(new TooManyRequests("slow down", 30))).toBe("rate_limited");
    expect(webhookOutcomeOf(new PayloadTooLarge(10, 11))).toBe("too_large");
    expect(webhookOutcomeOf(new Unavailable("broker"))).toBe("unavailable");
    expect(webhookOutcomeOf(new NotFound("source"))).toBe("not_found");
  });

  it("answers error for anything else: a bug, or an HttpError ingest never throws", () => {
    expect(webhookOutcomeOf(new TypeError("x is undefined"))).toBe("error");
    expect(webhookOutcomeOf(new Conflict("?"))).toBe("error");
    expect(webhookOutcomeOf("a string")).toBe("error");
  });

  it("tells a first delivery from a replay", () => {
    expect(acceptedOutcome({ replay: false })).toBe("accepted");
    expect(acceptedOutcome({ replay: true })).toBe("replay");
  });
});

describe("webhookSourceLabel", () => {
  const sources = new Set(["backtest", "git hub"]);
  it("keeps a configured source, decoded, and calls anything else unknown", () => {
    expect(webhookSourceLabel("backtest", sources)).toBe("backtest");
    expect(webhookSourceLabel("git%20hub", sources)).toBe("git hub");
    expect(webhookSourceLabel("run_abcdefg", sources)).toBe("unknown");
    expect(webhookSourceLabel("%E0%A4%A", sources)).toBe("unknown");
    expect(webhookSourceLabel(undefined, sources)).toBe("unknown");
    expect(webhookSourceLabel("backtest", undefined)).toBe("unknown");
  });
});
