// registerEventFunction over HTTP: every event counted and timed, and the response body left empty.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { CloudEvent } from "cloudevents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardProgress, toBinaryHttp } from "../events/index.ts";
import { sample } from "./metrics/test-support/sample.ts";
import { registerEventFunction } from "./register-event-function.ts";

const NAME = "metrics-test-function";
let answer: () => Promise<unknown>;
let server: Server;
let url: string;

beforeAll(async () => {
  registerEventFunction(
    NAME,
    () => answer(),
    async () => ({}),
  );
  server = getTestServer(NAME);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function deliver(): Promise<Response> {
  const event = new CloudEvent({ type: shardProgress.type, source: "/test", id: "e1", data: {} });
  const { headers, body } = toBinaryHttp(event);
  return fetch(url, { method: "POST", headers, body });
}

const consumed = (outcome: string) => ({ type: shardProgress.type, function: NAME, outcome });

describe("registerEventFunction", () => {
  it("counts a handled event as ok and answers 204, whatever the handler returned", async () => {
    answer = async () => "stored";
    const response = await deliver();
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(await sample("zixly_events_consumed_total", consumed("ok"))).toBe(1);
    expect(await sample("zixly_handler_duration_seconds_count", { function: NAME })).toBe(1);
  });

  it("counts an acknowledged invalid event as invalid", async () => {
    answer = async () => "invalid";
    expect((await deliver()).status).toBe(204);
    expect(await sample("zixly_events_consumed_total", consumed("invalid"))).toBe(1);
  });

  it("counts a throw as error and still answers 500, so the broker redelivers", async () => {
    answer = async () => {
      throw new Error("database down");
    };
    expect((await deliver()).status).toBe(500);
    expect(await sample("zixly_events_consumed_total", consumed("error"))).toBe(1);
  });
});
