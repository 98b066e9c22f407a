import { describe, expect, it } from "vitest";
import { InvalidJobEnv, parseJobCredentials, parseJobIdentity, parseJobWork } from "./job-env.ts";
import { BadInput } from "./job-errors.ts";

const RUN_ID = "run_abcdefghijklmnopqrstuvwxyz";
const REQUEST = JSON.stringify({
  strategy: "sma-crossover",
  params: { fast: [5, 10], slow: 20 },
  data: { synthetic: { bars: 300, seed: 1 } },
});
const IDENTITY = {
  RUN_ID,
  JOB_COMPLETION_INDEX: "1",
  SHARD_COUNT: "3",
  K_SINK: "http://broker.local/",
};

describe("parseJobIdentity", () => {
  it("reads the run, the shard, the sink and the trace", () => {
    expect(parseJobIdentity({ ...IDENTITY, TRACEPARENT: "00-abc-def-01" })).toEqual({
      runId: RUN_ID,
      shard: { index: 1, count: 3 },
      sinkUrl: "http://broker.local/",
      traceparent: "00-abc-def-01",
    });
  });

  it("names every variable at fault", () => {
    const error = (() => {
      try {
        parseJobIdentity({ JOB_COMPLETION_INDEX: "x", SHARD_COUNT: "2", K_SINK: "not a url" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidJobEnv);
    expect(String(error)).toMatch(/RUN_ID/);
    expect(String(error)).toMatch(/JOB_COMPLETION_INDEX: must be a whole number/);
    expect(String(error)).toMatch(/K_SINK/);
  });

  it("refuses a shard index at or past the shard count", () => {
    expect(() => parseJobIdentity({ ...IDENTITY, JOB_COMPLETION_INDEX: "3" })).toThrow(
      /JOB_COMPLETION_INDEX: must be below SHARD_COUNT/,
    );
  });
});

describe("parseJobCredentials", () => {
  const TOKEN = "k".repeat(43);

  it("reads BROKER_TOKEN or K_SINK_TOKEN_FILE, and none when both are unset or empty", () => {
    expect(parseJobCredentials({ BROKER_TOKEN: TOKEN })).toEqual({
      token: TOKEN,
      tokenFile: undefined,
    });
    expect(parseJobCredentials({ K_SINK_TOKEN_FILE: "/var/run/token" })).toEqual({
      token: undefined,
      tokenFile: "/var/run/token",
    });
    expect(parseJobCredentials({ BROKER_TOKEN: "", K_SINK_TOKEN_FILE: "" })).toEqual({
      token: undefined,
      tokenFile: undefined,
    });
  });

  it("refuses a short token or both kinds, and never quotes the token", () => {
    const short = "s3cr3t-but-short";
    const error = (() => {
      try {
        parseJobCredentials({ BROKER_TOKEN: short });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidJobEnv);
    expect(String(error)).toMatch(/BROKER_TOKEN/);
    expect(String(error)).not.toContain(short);
    expect(() => parseJobCredentials({ BROKER_TOKEN: TOKEN, K_SINK_TOKEN_FILE: "/t" })).toThrow(
      /both set/,
    );
  });
});

describe("parseJobWork", () => {
  it("validates REQUEST and applies the defaults, treating empty values as unset", () => {
    const work = parseJobWork({ REQUEST, DATA_DIR: "", JOB_WORKERS: "" });
    expect(work).toMatchObject({
      dataDir: "data",
      workers: 1,
      fetchMaxBytes: 50 * 1024 * 1024,
      fetchTimeoutMs: 30_000,
      progressIntervalMs: 1000,
      publishBackoffMs: 250,
    });
    // The schema's default for `sort` is applied again here.
    expect(work.request.sort).toBe("sharpeRatio");
  });

  it("reads the tuning variables", () => {
    const work = parseJobWork({
      REQUEST,
      DATA_DIR: "/srv/data",
      JOB_WORKERS: "4",
      FETCH_MAX_BYTES: "2048",
      FETCH_TIMEOUT_MS: "500",
      PROGRESS_INTERVAL_MS: "0",
    });
    expect(work).toMatchObject({
      dataDir: "/srv/data",
      workers: 4,
      fetchMaxBytes: 2048,
      fetchTimeoutMs: 500,
      progressIntervalMs: 0,
    });
  });

  it("treats a REQUEST that is not JSON as bad input", () => {
    expect(() => parseJobWork({ REQUEST: "{nope" })).toThrow(BadInput);
    expect(() => parseJobWork({ REQUEST: "{nope" })).toThrow(/REQUEST: is not JSON/);
  });

  it("treats a REQUEST that breaks the schema as bad input, naming the field", () => {
    const bad = JSON.stringify({ ...JSON.parse(REQUEST), commission: 2 });
    expect(() => parseJobWork({ REQUEST: bad })).toThrow(/REQUEST\.commission/);
  });

  it("treats a missing REQUEST and out-of-range knobs as bad input", () => {
    expect(() => parseJobWork({})).toThrow(/REQUEST/);
    expect(() => parseJobWork({ REQUEST, JOB_WORKERS: "0" })).toThrow(/JOB_WORKERS/);
  });
});
