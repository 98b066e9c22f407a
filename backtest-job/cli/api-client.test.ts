// How API failures read: each one exits 2 (1 for a server error) with one line saying why.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, type FakeApi, fakeApi, RUN_ID } from "./test-support/fake-api.ts";
import { runCli } from "./test-support/run-cli.ts";

describe("API failures", () => {
  let api: FakeApi;
  beforeEach(() => {
    vi.stubEnv("ZIXLY_URL", "");
    vi.stubEnv("ZIXLY_TOKEN", "");
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  const expectOneLine = (run: { code: number; stdout: string; stderr: string }, code: number) => {
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: "" });
    expect(run.stderr.indexOf("\n")).toBe(run.stderr.length - 1);
  };

  it("an unreachable URL names --url and the reason", async () => {
    api = await fakeApi(() => ({ json: {} }));
    const url = api.url;
    await api.close();
    const run = await runCli(["runs", "--url", url]);
    expectOneLine(run, 2);
    expect(run.stderr).toBe(`error: --url: cannot reach ${url}: ECONNREFUSED\n`);
  });

  it("a 401 without a token asks for one", async () => {
    api = await fakeApi(() => apiError(401, "unauthorized", "missing or wrong bearer token"));
    const run = await runCli(["run", RUN_ID, "--url", api.url]);
    expectOneLine(run, 2);
    expect(run.stderr).toBe("error: the API wants a token: --token or ZIXLY_TOKEN\n");
  });

  it("a 401 with a token says the token was refused", async () => {
    api = await fakeApi(() => apiError(401, "unauthorized", "missing or wrong bearer token"));
    const run = await runCli(["runs", "--url", api.url, "--token", "wrong"]);
    expectOneLine(run, 2);
    expect(run.stderr).toBe("error: --token: the API refused the token (401)\n");
  });

  it("a 404 off the runs API asks whether --url is the API", async () => {
    api = await fakeApi(() => apiError(404, "not_found", "no route GET /runs"));
    const run = await runCli(["runs", "--url", api.url]);
    expectOneLine(run, 2);
    expect(run.stderr).toBe(`error: --url: ${api.url} has no /runs (404); is it the zixly API?\n`);
  });

  it("a body that is not the API's JSON names --url", async () => {
    api = await fakeApi(() => ({ text: "<html>hello</html>" }));
    const run = await runCli(["runs", "--url", api.url]);
    expectOneLine(run, 2);
    expect(run.stderr).toMatch(/^error: --url: .* is not the zixly API: GET \/runs answered /);
  });

  it("JSON of another shape names --url too", async () => {
    api = await fakeApi(() => ({ json: { hello: "world" } }));
    const run = await runCli(["run", RUN_ID, "--url", api.url]);
    expectOneLine(run, 2);
    expect(run.stderr).toContain("answered JSON of another shape");
  });

  it("a 5xx is the server's failure: exit 1 with its message", async () => {
    api = await fakeApi(() => apiError(503, "unavailable", "database down"));
    const run = await runCli(["runs", "--url", api.url]);
    expectOneLine(run, 1);
    expect(run.stderr).toBe("error: internal: the API answered 503 to GET /runs: database down\n");
  });

  it.each([
    [["--url", "localhost:8080"], /^error: --url: "localhost:8080" is not an http or https URL$/],
    [["--url", "not a url"], /^error: --url: "not a url" is not a URL, for example http:/],
    [["--url", "http://x/?a=1"], /^error: --url: "http:\/\/x\/\?a=1" must be a base URL/],
  ])("%j is refused before any request", async (flags, message) => {
    const run = await runCli(["runs", ...flags]);
    expectOneLine(run, 2);
    expect(run.stderr.trimEnd()).toMatch(message);
  });

  it("a bad ZIXLY_URL is blamed on the variable", async () => {
    vi.stubEnv("ZIXLY_URL", "ftp://example.com");
    const run = await runCli(["runs"]);
    expectOneLine(run, 2);
    expect(run.stderr).toBe('error: ZIXLY_URL: "ftp://example.com" is not an http or https URL\n');
  });
});
