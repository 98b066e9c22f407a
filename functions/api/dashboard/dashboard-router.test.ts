// The dashboard's files over real HTTP: served without the token, with their types and headers.
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryProgressStore } from "../../../platform/memory/memory-progress-store.ts";
import { MemoryRunStore } from "../../../platform/memory/memory-run-store.ts";
import { FakeJobLauncher } from "../../test-support/fake-job-launcher.ts";
import { type Listening, listen } from "../../test-support/listen.ts";
import { RecordingPublisher } from "../../test-support/recording-publisher.ts";
import { silentLogger } from "../../test-support/silent-logger.ts";
import { apiRouter } from "../handler.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The api with a token: the dashboard's files must not need it. */
async function startApi(): Promise<string> {
  server = await listen(
    express().use(
      apiRouter({
        store: new MemoryRunStore(),
        progress: new MemoryProgressStore(),
        launcher: new FakeJobLauncher(),
        publisher: new RecordingPublisher(),
        log: silentLogger(),
        apiToken: "s3cret-token-for-files",
      }),
    ),
  );
  return server.url;
}

describe("the dashboard's files", () => {
  it("serves the page at / without the token, locked to this origin", async () => {
    const url = await startApi();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(
      /default-src 'none'; script-src 'self'/,
    );
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await page.text()).toContain('<script type="module" src="dashboard/app.js">');
    // The data still needs it.
    expect((await fetch(`${url}/runs`)).status).toBe(401);
  });

  it("serves every module, stylesheet and import the page needs, uPlot as an ES module", async () => {
    const url = await startApi();
    const html = await (await fetch(`${url}/`)).text();
    const wanted = new Set(
      [...html.matchAll(/(?:href|src)="(dashboard\/[^"]+)"/g)].map((m) => m[1]),
    );
    const seen = new Set<string>();
    while (wanted.size) {
      const [path] = wanted;
      wanted.delete(path);
      seen.add(path);
      const response = await fetch(`${url}/${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toMatch(
        path.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
      );
      const body = await response.text();
      for (const [, file] of body.matchAll(/from "\.\/([a-z-]+\.js)"/g)) {
        if (!seen.has(`dashboard/${file}`)) wanted.add(`dashboard/${file}`);
      }
      if (path === "dashboard/uplot.js")
        expect(body.endsWith("export default uPlot;\n")).toBe(true);
    }
    expect([...seen].sort()).toEqual(
      [
        "dashboard/api.js",
        "dashboard/app.js",
        "dashboard/charts.js",
        "dashboard/definition-section.js",
        "dashboard/definition-text.js",
        "dashboard/run-page.js",
        "dashboard/style.css",
        "dashboard/ui.js",
        "dashboard/uplot.css",
        "dashboard/uplot.js",
      ].sort(),
    );
  });

  it("serves nothing else under /dashboard/ without the token", async () => {
    const url = await startApi();
    expect((await fetch(`${url}/dashboard/../package.json`)).status).toBe(401);
    expect((await fetch(`${url}/dashboard/secret.js`)).status).toBe(401);
  });
});
