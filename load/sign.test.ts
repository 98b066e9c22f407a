// Proves load/lib/sign.js, the k6 scripts' Standard Webhooks signer, under Node with k6 stand-ins.
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { sign, signedHeaders, webhookKey } from "./lib/sign.js";

vi.mock("k6/crypto", async () => (await import("./test-support/k6-shims.ts")).k6Crypto);
vi.mock("k6/encoding", async () => (await import("./test-support/k6-shims.ts")).k6Encoding);

// The Standard Webhooks test vector (the shared reference platform-facts.md).
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

describe("load/lib/sign.js", () => {
  it("reproduces the Standard Webhooks test vector", () => {
    expect(sign(webhookKey(SECRET), ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it("accepts the secret without its whsec_ prefix, as the reference libraries do", () => {
    expect(sign(webhookKey(SECRET.slice("whsec_".length)), ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it("refuses an empty secret and one that is not base64", () => {
    expect(() => webhookKey("whsec_")).toThrow(/empty/);
    expect(() => webhookKey("whsec_not base64!")).toThrow(/base64/);
  });

  it("signs a different body, id or timestamp differently", () => {
    const key = webhookKey(SECRET);
    expect(sign(key, ID, TIMESTAMP, '{"test": 2432232315}')).not.toBe(SIGNATURE);
    expect(sign(key, "msg_other", TIMESTAMP, BODY)).not.toBe(SIGNATURE);
    expect(sign(key, ID, TIMESTAMP + 1, BODY)).not.toBe(SIGNATURE);
  });

  it("makes headers that the standardwebhooks library (what ingest-webhook uses) accepts", () => {
    const headers = signedHeaders(webhookKey(SECRET), "msg_k6_1", BODY);
    expect(headers["content-type"]).toBe("application/json");
    expect(Number(headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -1);
    expect(new Webhook(SECRET).verify(BODY, headers)).toEqual({ test: 2432232314 });
  });

  it("puts the given timestamp in the header and the signature", () => {
    const headers = signedHeaders(webhookKey(SECRET), ID, BODY, TIMESTAMP);
    expect(headers).toEqual({
      "content-type": "application/json",
      "webhook-id": ID,
      "webhook-timestamp": String(TIMESTAMP),
      "webhook-signature": SIGNATURE,
    });
  });
});
