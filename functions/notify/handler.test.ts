// notify with an in-memory store and a local receiver: signed callbacks, retries, duplicates, refusals.
import type { CloudEventV1 } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  backtestCompleted,
  backtestFailed,
  createEvent,
  type ZixlyEvent,
} from "../../events/index.ts";
import type { Logger } from "../../platform/log.ts";
import { MemoryRunStore } from "../../platform/memory/memory-run-store.ts";
import { PRIVATE_TARGET, urlRefusal } from "../../platform/url-policy.ts";
import { requestedEvent, runIdFor, TRACEPARENT } from "../test-support/fixtures.ts";
import { DatabaseDown, type FlakyRunStore, flakyStore } from "../test-support/flaky-run-store.ts";
import { type Listening, listen, recordingReceiver } from "../test-support/listen.ts";
import { silentLogger } from "../test-support/silent-logger.ts";
import { handleFinalEvent, type NotifyDeps } from "./handler.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const RUN = runIdFor("notify");

let receiver: Awaited<ReturnType<typeof recordingReceiver>>;
let flaky: FlakyRunStore;
let deps: NotifyDeps;

beforeAll(async () => {
  receiver = await recordingReceiver();
});
afterAll(() => receiver?.close());

beforeEach(() => {
  receiver.requests.length = 0;
  receiver.status = 200;
  flaky = flakyStore(new MemoryRunStore());
  deps = {
    store: flaky.store,
    signer: new Webhook(SECRET),
    log: silentLogger(),
    timeoutMs: 2000,
    allowInsecure: true,
    publicUrl: "https://api.example.com",
  };
});

function completed(
  callbackUrl: string | undefined = `${receiver.url}/hook`,
  id = `${RUN}/completed`,
) {
  return createEvent(
    backtestCompleted.type,
    {
      runId: RUN,
      status: "succeeded",
      strategy: "sma-crossover",
      label: "nightly sweep",
      ...(callbackUrl ? { callbackUrl } : {}),
      combinations: 4,
      best: { params: { fast: 10, slow: 20 }, stats: { sharpeRatio: 1.5 } },
      finishedAt: "2030-01-01T00:00:00.000Z",
    },
    { id, source: "/zixly/record-result", traceparent: TRACEPARENT },
  );
}

function failed(callbackUrl = `${receiver.url}/hook`): ZixlyEvent {
  return createEvent(
    backtestFailed.type,
    {
      runId: RUN,
      status: "failed",
      code: "crashed",
      reason: "shard 1: exit 137",
      callbackUrl,
      finishedAt: "2030-01-01T00:00:00.000Z",
    },
    { id: `${RUN}/failed`, source: "/zixly/record-result" },
  );
}

describe("handleFinalEvent", () => {
  it("does nothing for a run without a callback URL", async () => {
    expect(await handleFinalEvent(completed(""), deps)).toBe("no-callback");
    expect(receiver.requests).toHaveLength(0);
  });

  it("POSTs a Standard-Webhooks-signed callback whose webhook-id is the event id", async () => {
    expect(await handleFinalEvent(completed(), deps)).toBe("sent");
    expect(receiver.requests).toHaveLength(1);
    const { method, url, headers, body } = receiver.requests[0];
    expect([method, url]).toEqual(["POST", "/hook"]);
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["webhook-id"]).toBe(`${RUN}/completed`);
    expect(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(10);
    expect(headers.traceparent).toBe(TRACEPARENT);
    // The receiver's check: throws unless the signature matches these exact bytes.
    expect(() => new Webhook(SECRET).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(SECRET).verify(`${body} `, headers)).toThrow();
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({
      type: backtestCompleted.type,
      runId: RUN,
      status: "succeeded",
      statusUrl: `https://api.example.com/runs/${RUN}`,
      label: "nightly sweep",
      best: { params: { fast: 10, slow: 20 } },
    });
    expect(payload).not.toHaveProperty("callbackUrl");
  });

  it("sends failed runs too, with the reason", async () => {
    expect(await handleFinalEvent(failed(), deps)).toBe("sent");
    const payload = JSON.parse(receiver.requests[0].body);
    expect(payload).toMatchObject({
      type: backtestFailed.type,
      runId: RUN,
      status: "failed",
      code: "crashed",
      reason: "shard 1: exit 137",
      statusUrl: `https://api.example.com/runs/${RUN}`,
    });
    expect(receiver.requests[0].headers["webhook-id"]).toBe(`${RUN}/failed`);
  });

  it("throws when the receiver answers 500, so the broker retries, and sends again then", async () => {
    receiver.status = 500;
    await expect(handleFinalEvent(completed(), deps)).rejects.toThrow(
      "callback: the server answered with an error (HTTP 5xx)",
    );
    receiver.status = 200;
    expect(await handleFinalEvent(completed(), deps)).toBe("sent");
    expect(receiver.requests).toHaveLength(2);
    // Both attempts carry the same webhook-id, so the receiver can tell a retry.
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
  });

  it("answers a second delivery after success with duplicate, without a second POST", async () => {
    expect(await handleFinalEvent(completed(), deps)).toBe("sent");
    expect(await handleFinalEvent(completed(), deps)).toBe("duplicate");
    expect(receiver.requests).toHaveLength(1);
  });

  it("does not follow a redirect, which could lead past the URL policy", async () => {
    const inside = await recordingReceiver();
    const redirecting: Listening = await listen((_req, res) => {
      res.writeHead(307, { location: `${inside.url}/metadata` }).end();
    });
    try {
      await expect(handleFinalEvent(completed(`${redirecting.url}/hook`), deps)).rejects.toThrow(
        "callback: the server answered with a redirect, which is not followed",
      );
      expect(inside.requests).toHaveLength(0);
    } finally {
      await redirecting.close();
      await inside.close();
    }
  });

  it("throws when the receiver cannot be reached", async () => {
    const gone = await listen((_req, res) => res.end());
    await gone.close();
    await expect(handleFinalEvent(completed(`${gone.url}/hook`), deps)).rejects.toThrow();
  });

  it("throws when the store is down, before calling anyone", async () => {
    flaky.fail();
    await expect(handleFinalEvent(completed(), deps)).rejects.toThrow(DatabaseDown);
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses http:// and private hosts unless insecure URLs are allowed", async () => {
    const strict = { ...deps, allowInsecure: false };
    expect(await handleFinalEvent(completed(`${receiver.url}/hook`), strict)).toBe("refused");
    expect(
      await handleFinalEvent(completed("https://169.254.169.254/latest/meta-data"), strict),
    ).toBe("refused");
    expect(await handleFinalEvent(completed("https://10.0.0.7/hook"), strict)).toBe("refused");
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses a name that resolves to a private address, at connect, without a retry", async () => {
    // The name passes the early check; only its resolved address gives it away.
    const strict = {
      ...deps,
      allowInsecure: false,
      outboundSeams: { resolve: async () => [{ address: "10.9.8.7", family: 4 }] },
    };
    expect(await handleFinalEvent(completed("https://hooks.example.com/hook"), strict)).toBe(
      "refused",
    );
    expect(await flaky.store.wasProcessed("notify-callback", `${RUN}/completed`)).toBe(false);
  });

  it("says what failed without the receiver's answer, and logs no credentials or hook path", async () => {
    const lines: string[] = [];
    const log: Logger = {
      debug: (m, f) => void lines.push(JSON.stringify({ m, ...f })),
      info: (m, f) => void lines.push(JSON.stringify({ m, ...f })),
      warn: (m, f) => void lines.push(JSON.stringify({ m, ...f })),
      error: (m, f) => void lines.push(JSON.stringify({ m, ...f })),
      child: () => log,
    };
    const leaky = await listen((_req, res) =>
      res.writeHead(502).end("upstream db-7.internal down"),
    );
    try {
      const error = await handleFinalEvent(
        completed(`${leaky.url}/hooks/T0KEN-in-path?sig=s3cret`),
        { ...deps, log },
      ).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toBe("callback: the server answered with an error (HTTP 5xx)");
      expect(
        await handleFinalEvent(completed("https://user:pw-s3cret@hooks.example.com/"), {
          ...deps,
          log,
        }),
      ).toBe("refused");
    } finally {
      await leaky.close();
    }
    const logged = lines.join("\n");
    expect(logged).toContain("callback failed");
    for (const secret of ["db-7.internal", "T0KEN-in-path", "s3cret"]) {
      expect(logged).not.toContain(secret);
    }
  });

  it("acknowledges events it cannot use as invalid", async () => {
    expect(await handleFinalEvent(requestedEvent(RUN), deps)).toBe("invalid");
    const raw: CloudEventV1<unknown> = {
      specversion: "1.0",
      id: "bad",
      source: "/zixly/record-result",
      type: backtestCompleted.type,
      data: { runId: RUN, status: "maybe" },
    };
    expect(await handleFinalEvent(raw, deps)).toBe("invalid");
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("the callback URL policy (urlRefusal, as notify applies it)", () => {
  it.each([
    ["not a url", false, "not a URL"],
    ["not a url", true, "not a URL"],
    ["http://hooks.example.com/x", false, "must use https"],
    ["https://localhost/x", false, PRIVATE_TARGET],
    ["https://localhost./x", false, PRIVATE_TARGET],
    ["https://127.0.0.1/x", false, PRIVATE_TARGET],
    ["https://10.1.2.3/x", false, PRIVATE_TARGET],
    ["https://172.16.0.1/x", false, PRIVATE_TARGET],
    ["https://172.31.255.255/x", false, PRIVATE_TARGET],
    ["https://192.168.1.1/x", false, PRIVATE_TARGET],
    ["https://169.254.169.254/x", false, PRIVATE_TARGET],
    ["https://0.0.0.0/x", false, PRIVATE_TARGET],
    ["https://[::1]/x", false, PRIVATE_TARGET],
    ["https://[fd00::1]/x", false, PRIVATE_TARGET],
    ["https://user:pw@hooks.example.com/x", false, "may not contain a user name or password"],
    ["file:///etc/passwd", true, "must use http or https"],
    ["https://hooks.example.com/x", false, undefined],
    ["https://172.32.0.1/x", false, undefined],
    // Host names that merely start like a private prefix are public.
    ["https://fdic.gov/x", false, undefined],
    ["https://fcbarcelona.com/x", false, undefined],
    ["http://localhost:8080/x", true, undefined],
  ])("%s (allowInsecure %s) -> %s", (url, allowInsecure, expected) => {
    expect(urlRefusal(url, allowInsecure)).toBe(expected);
  });
});
