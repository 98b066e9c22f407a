// Stand-ins for the k6 modules the load scripts import, so vitest can run them under Node.
//
// Only what the scripts use, with k6's documented behaviour:
// - k6/crypto hmac(algorithm, secret: string | ArrayBuffer, data: string | ArrayBuffer, encoding)
// - k6/encoding b64decode(input, "std" | "rawstd" | "url" | "rawurl", format?) -> ArrayBuffer | string
// - k6/http post/get with params.headers, params.responseCallback, params.tags; expectedStatuses
// - k6 check/sleep; k6/metrics Counter/Rate/Trend with add(value, tags)
// HTTP goes to a handler the test sets; every request and metric sample is recorded in `k6`.
import { createHmac } from "node:crypto";

/** A request as a script made it. */
export interface RecordedRequest {
  method: "GET" | "POST";
  url: string;
  body: string | undefined;
  headers: Record<string, string>;
  tags: Record<string, string>;
  expected: readonly number[] | undefined;
}

/** What the test's handler answers. */
export interface FakeReply {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

/** A k6 Response, reduced to what the scripts read. */
export interface FakeResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  json(): unknown;
}

/** One metric sample. */
export interface Sample {
  value: number;
  tags: Record<string, string> | undefined;
}

/** Shared state of the shims: set `handler` and `onSleep`, read the rest. */
export const k6 = {
  handler: (_req: RecordedRequest): FakeReply => ({ status: 500 }),
  onSleep: (_seconds: number): void => {},
  requests: [] as RecordedRequest[],
  checks: [] as { name: string; ok: boolean }[],
  metrics: new Map<string, { type: string; isTime: boolean; samples: Sample[] }>(),
  reset(): void {
    this.handler = () => ({ status: 500 });
    this.onSleep = () => {};
    this.requests = [];
    this.checks = [];
    this.metrics = new Map();
  },
};

function bytes(value: string | ArrayBuffer): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** k6/crypto */
export const k6Crypto = (() => {
  const hmac = (
    algorithm: string,
    secret: string | ArrayBuffer,
    data: string | ArrayBuffer,
    outputEncoding: "base64" | "base64url" | "base64rawurl" | "hex" | "binary",
  ): string | number[] => {
    const mac = createHmac(algorithm, bytes(secret)).update(bytes(data)).digest();
    switch (outputEncoding) {
      case "base64":
        return mac.toString("base64");
      case "base64url":
        return mac.toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
      case "base64rawurl":
        return mac.toString("base64url");
      case "hex":
        return mac.toString("hex");
      case "binary":
        return [...mac];
    }
  };
  return { hmac, default: { hmac } };
})();

/** k6/encoding. Node's decoder is lenient; k6's (Go's) is strict, so bad input is refused here too. */
export const k6Encoding = (() => {
  const ALPHABET = {
    std: /^[A-Za-z0-9+/]*={0,2}$/,
    rawstd: /^[A-Za-z0-9+/]*$/,
    url: /^[A-Za-z0-9\-_]*={0,2}$/,
    rawurl: /^[A-Za-z0-9\-_]*$/,
  } as const;
  const b64decode = (
    input: string,
    encoding: keyof typeof ALPHABET = "std",
    format?: "s",
  ): ArrayBuffer | string => {
    const padded = encoding === "std" || encoding === "url";
    if (!ALPHABET[encoding].test(input) || (padded && input.length % 4 !== 0)) {
      throw new Error(`illegal base64 data (${encoding}): "${input}"`);
    }
    const buf = Buffer.from(input, encoding.includes("url") ? "base64url" : "base64");
    return format === "s" ? buf.toString("utf8") : toArrayBuffer(buf);
  };
  const b64encode = (input: string | ArrayBuffer): string => bytes(input).toString("base64");
  return { b64decode, b64encode, default: { b64decode, b64encode } };
})();

/** k6/http */
export const k6Http = (() => {
  const EXPECTED = Symbol("expectedStatuses");
  type Params = {
    headers?: Record<string, string>;
    tags?: Record<string, string>;
    responseCallback?: { [EXPECTED]: number[] };
  };
  const send = (
    method: "GET" | "POST",
    url: string,
    body: string | undefined,
    params: Params = {},
  ): FakeResponse => {
    const req: RecordedRequest = {
      method,
      url,
      body,
      headers: { ...params.headers },
      tags: { ...params.tags },
      expected: params.responseCallback?.[EXPECTED],
    };
    k6.requests.push(req);
    const reply = k6.handler(req);
    const text = reply.json === undefined ? "" : JSON.stringify(reply.json);
    return {
      status: reply.status,
      body: text,
      headers: reply.headers ?? {},
      json: () => JSON.parse(text),
    };
  };
  const http = {
    post: (url: string, body: string, params?: Params) => send("POST", url, body, params),
    get: (url: string, params?: Params) => send("GET", url, undefined, params),
    expectedStatuses: (...codes: number[]) => ({ [EXPECTED]: codes }),
  };
  return { ...http, default: http };
})();

/** k6 */
export const k6Core = (() => {
  const check = (value: unknown, sets: Record<string, (v: unknown) => boolean>): boolean => {
    let all = true;
    for (const [name, fn] of Object.entries(sets)) {
      const ok = Boolean(fn(value));
      k6.checks.push({ name, ok });
      all &&= ok;
    }
    return all;
  };
  const sleep = (seconds: number): void => k6.onSleep(seconds);
  return { check, sleep, default: { check, sleep } };
})();

/** k6/metrics */
export const k6Metrics = (() => {
  class Metric {
    readonly #samples: Sample[];
    constructor(name: string, type: string, isTime = false) {
      if (k6.metrics.has(name)) throw new Error(`metric ${name} is defined twice`);
      this.#samples = [];
      k6.metrics.set(name, { type, isTime, samples: this.#samples });
    }
    add(value: number | boolean, tags?: Record<string, string>): void {
      this.#samples.push({ value: Number(value), tags });
    }
  }
  class Counter extends Metric {
    constructor(name: string) {
      super(name, "counter");
    }
  }
  class Rate extends Metric {
    constructor(name: string) {
      super(name, "rate");
    }
  }
  class Trend extends Metric {
    constructor(name: string, isTime = false) {
      super(name, "trend", isTime);
    }
  }
  const metrics = { Counter, Rate, Trend };
  return { ...metrics, default: metrics };
})();
