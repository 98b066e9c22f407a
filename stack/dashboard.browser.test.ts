// The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the whole stack.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.ts";
import type { Stack } from "./start-stack.ts";
import { postSigned } from "./test-support/client.ts";
import { describeBackends } from "./test-support/test-adapters.ts";
import { startTestStack } from "./test-support/test-stack.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const REPO = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = join(REPO, "test-artifacts");
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN = "dashboard-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };

if (hasChromium) console.warn(`dashboard browser test runs against ${describeBackends()}`);
else console.warn(`skipping the dashboard browser test: ${CHROMIUM} is absent`);

/**
 * fast 2..20 (19 values) x slow 10..60 step 2 (26 values), of which 458 have fast < slow, in
 * two shards run one after the other (JOB_CONCURRENCY 1): with 20,000 bars each takes about a
 * second, long enough for the list to show the run part-way.
 */
const SWEEP = {
  strategy: "sma-crossover",
  params: { fast: { from: 2, to: 20, step: 1 }, slow: { from: 10, to: 60, step: 2 } },
  data: { synthetic: { bars: 20_000, seed: 11 } },
  commission: 0.001,
  shards: 2,
  label: "dashboard: SMA crossover sweep",
};

/**
 * A definition whose name and description are markup: the page must show them as characters.
 * Had either become HTML, `pwned` would be set (the page's CSP blocks inline scripts, not an
 * element the page itself inserts with a handler, so the test looks at the elements too).
 */
const MARKUP_DEFINITION = {
  name: "<script>globalThis.pwned = 1</script>",
  description: '<img src="x" onerror="globalThis.pwned = 2"> and <b>not bold</b>',
  parameters: { fast: { integer: true, min: 1 }, slow: { integer: true, min: 2 } },
  constraints: [{ left: "fast", op: "<", right: "slow" }],
  entry: {
    long: {
      and: [
        {
          crossesAbove: [
            { sma: { period: { param: "fast" } } },
            { sma: { period: { param: "slow" } } },
          ],
        },
        { not: { "<": [{ rsi: { period: 14 } }, 30] } },
      ],
    },
  },
  exit: {
    long: { "<": ["close", { previous: { donchian: { period: 20, band: "lower" } } }] },
  },
  size: 0.5,
  stopLoss: { atr: 14, multiple: 2 },
  takeProfit: { percent: 6 },
};

interface Results {
  total: number;
  results: {
    comboIndex: number;
    params: Record<string, number>;
    stats: Record<string, number | null>;
  }[];
}

// The DOM members the page functions read: the repo compiles without the DOM library.
interface RowElement {
  readonly dataset: Record<string, string | undefined>;
  querySelector(
    selector: string,
  ): { value: number; max: number; textContent: string | null } | null;
}
interface CanvasElement {
  readonly width: number;
  readonly height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe.skipIf(!hasChromium)("the dashboard in chromium", () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack(
      {
        DATA_DIR: join(REPO, "data"),
        WEBHOOK_SECRET: SECRET,
        API_TOKEN: TOKEN,
        MAX_COMBINATIONS: "5000",
        JOB_CONCURRENCY: "1",
      },
      "dashboard-test",
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    // A fresh profile of our own: chromium.launch takes no user-data dir, this does. Removed
    // after the afterAll below has closed the browser.
    context = await chromium.launchPersistentContext(tempDir("zixly-chromium-"), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  afterAll(async () => {
    try {
      await context?.close();
    } finally {
      await stack?.stop(20_000);
    }
  });

  it("asks for the token, follows a sweep to 100% over SSE, and shows its results", async () => {
    const started = Date.now();
    const lap = (what: string) =>
      console.warn(`dashboard test: ${what} at ${Date.now() - started} ms`);

    // The page and its files need no token; the data does, so the page asks for it.
    await page.goto(`${stack.url}/`);
    await page.locator("#token").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-token.png") });
    await page.fill("#token", TOKEN);
    await page.click("form.token-form button");
    await page.locator("#runs-table").waitFor();
    await page.locator("#connection[data-state=live]").waitFor();
    lap("signed in, stream open");
    const listFetches = () => requests.filter((u) => /\/runs\?limit=/.test(u)).length;
    const listFetchesAtSignIn = listFetches();

    const accepted = await postSigned(stack.url, SECRET, SWEEP);
    expect(accepted.status).toBe(202);
    const runId = String(accepted.json.runId);
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor();
    lap("run listed");

    // Sample the row until it shows succeeded at 100%: what the stream set, in order.
    const seen: { status: string; value: number; max: number; pct: string }[] = [];
    let shot = false;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const state = await row.evaluate((element) => {
        const tr = element as unknown as RowElement;
        const bar = tr.querySelector("progress")!;
        return {
          status: tr.dataset.status ?? "",
          value: bar.value,
          max: bar.max,
          pct: tr.querySelector(".pct")?.textContent ?? "",
        };
      });
      const last = seen.at(-1);
      if (!last || last.status !== state.status || last.value !== state.value) seen.push(state);
      if (!shot && state.status === "running" && state.value > 0) {
        shot = true;
        await page.screenshot({ path: join(ARTIFACTS, "dashboard-runs-running.png") });
      }
      if (state.status === "succeeded") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    lap(`run succeeded; the row went ${seen.map((s) => `${s.status} ${s.pct}`).join(" -> ")}`);
    const final = seen.at(-1)!;
    expect(final).toEqual({ status: "succeeded", value: 458, max: 458, pct: "100%" });
    expect(seen.some((s) => s.status !== "succeeded")).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-runs.png") });
    // The stream carried it: since sign-in the list was fetched once, when the stream named a
    // run it had not got, and the stream had the token in its query.
    expect(listFetches() - listFetchesAtSignIn).toBe(1);
    expect(requests.some((u) => u.includes(`/runs/events?token=${TOKEN}`))).toBe(true);

    const run = await getJson<{
      definition: unknown;
      best: {
        params: Record<string, number>;
        stats: Record<string, number | string | null>;
        equityCurve: [number, number][];
        buyHoldCurve?: [number, number][];
        trades: unknown[];
      };
    }>(`${stack.url}/runs/${runId}`);
    const api = await getJson<Results>(`${stack.url}/runs/${runId}/results?limit=5`);

    await row.locator("a").click();
    await page.waitForURL(`**/#/runs/${runId}`);
    await page.locator("#heatmap svg").waitFor();
    await page.locator("#results-table tbody tr").first().waitFor();
    lap("run page drawn");

    // The table: its first row is the api's first row.
    const first = page.locator("#results-table tbody tr").first();
    const cell = (selector: string) =>
      first.locator(selector).getAttribute("data-value").then(Number);
    expect(await cell('[data-param="fast"]')).toBe(api.results[0].params.fast);
    expect(await cell('[data-param="slow"]')).toBe(api.results[0].params.slow);
    expect(await cell('[data-stat="sharpeRatio"]')).toBe(api.results[0].stats.sharpeRatio);
    expect(await first.getAttribute("class")).toBe("best");
    expect(run.best.params).toEqual(api.results[0].params);

    // The equity chart: a canvas with both curves, and ink on it.
    const equity = page.locator("#equity-chart");
    expect(await equity.getAttribute("data-points")).toBe(String(run.best.equityCurve.length));
    expect(run.best.buyHoldCurve).toHaveLength(run.best.equityCurve.length);
    expect(await equity.getAttribute("data-series")).toBe("2");
    const inked = await equity.locator("canvas").evaluate((element) => {
      const canvas = element as unknown as CanvasElement;
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(1000);
    await page.locator("#drawdown-chart canvas").waitFor();

    // The heatmap: slow (26 values) down, fast (19) across, one cell each, 458 with a value.
    const heatmap = page.locator("#heatmap svg");
    expect(await heatmap.getAttribute("data-rows")).toBe("26");
    expect(await heatmap.getAttribute("data-cols")).toBe("19");
    expect(await page.locator("#heatmap rect.cell").count()).toBe(26 * 19);
    expect(await page.locator("#heatmap rect.cell:not(.empty)").count()).toBe(458);
    const bestCell = page.locator(
      `#heatmap rect.cell[data-x="${run.best.params.fast}"][data-y="${run.best.params.slow}"]`,
    );
    expect(Number(await bestCell.getAttribute("data-value"))).toBe(run.best.stats.sharpeRatio);

    // The mouse rests where the run's link was, over the heatmap now: move it off the page.
    await page.mouse.move(0, 0);

    // The trades of the best combination.
    expect(await page.locator("#trades-table tbody tr").count()).toBe(run.best.trades.length);

    // The built-in's own definition: its rules as text, the best's values, its JSON.
    const rule = (key: string) => page.locator(`#definition [data-key="${key}"] dd`).textContent();
    expect(await rule("entry.long")).toBe("fastMa crosses above slowMa");
    expect(await rule("entry.short")).toBe("fastMa crosses below slowMa");
    expect(await rule("fastMa")).toBe("SMA(fast)");
    const fastRow = page.locator('#definition-parameters tr[data-param="fast"] td');
    expect(await fastRow.allTextContents()).toEqual([
      "fast",
      String(run.best.params.fast),
      "integer, >= 1, <= 10000",
    ]);
    expect(await page.locator("#definition-parameters th").nth(1).textContent()).toBe(
      "Best combination",
    );
    expect(await page.locator("#definition-json").textContent()).toBe(
      JSON.stringify(run.definition, null, 2),
    );
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-run.png"), fullPage: true });
    await page.locator("#charts").screenshot({ path: join(ARTIFACTS, "dashboard-charts.png") });
    await page.locator("#heatmap-section").screenshot({
      path: join(ARTIFACTS, "dashboard-heatmap.png"),
    });

    // A header click sorts on the server: the first row is the api's best by return.
    await page.click('button[data-sort="returnPct"]');
    await page.locator('th[aria-sort="descending"] button[data-sort="returnPct"]').waitFor();
    const byReturn = await getJson<Results>(
      `${stack.url}/runs/${runId}/results?sort=returnPct&limit=1`,
    );
    expect(await cell('[data-stat="returnPct"]')).toBe(byReturn.results[0].stats.returnPct);
    expect(requests.some((u) => u.includes("sort=returnPct&order=desc"))).toBe(true);

    // Another statistic in the heatmap: the best cell now holds the best's return.
    await page.selectOption("#heatmap-stat", "returnPct");
    expect(Number(await bestCell.getAttribute("data-value"))).toBe(run.best.stats.returnPct);
    expect(pageErrors).toEqual([]);
    lap("checked");
  });

  it("shows a submitted definition as text: its rules, values and JSON, markup literally", async () => {
    const accepted = await postSigned(stack.url, SECRET, {
      strategy: MARKUP_DEFINITION,
      params: { fast: 10, slow: 30 },
      data: { synthetic: { bars: 2_000, seed: 3 } },
      label: "dashboard: a definition",
    });
    expect(accepted.status).toBe(202);
    const runId = String(accepted.json.runId);
    const run = await waitUntilFinal(stack.url, runId);
    expect(run.definition).toEqual(MARKUP_DEFINITION);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
    // Only the hash changes, so the last run's page is still there until this one is drawn.
    await page.goto(`${stack.url}/#/runs/${runId}`);
    await page.locator("main p.mono", { hasText: runId }).waitFor();
    await page.locator("#definition").waitFor();

    // The name and description are text: no element came from them, no handler ran.
    expect(await page.locator("#definition-name").textContent()).toBe(MARKUP_DEFINITION.name);
    expect(await page.locator("#definition-description").textContent()).toBe(
      MARKUP_DEFINITION.description,
    );
    expect(await page.locator("#definition script, #definition img, #definition b").count()).toBe(
      0,
    );
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();

    const rules = page.locator("#definition .rules > div");
    expect(await rules.allInnerTexts()).toEqual([
      "Long entry\nSMA(fast) crosses above SMA(slow) and not (RSI(14) < 30)",
      "Long exit\nclose < lower Donchian(20) 1 bar ago",
    ]);
    const values = await page.locator("#definition-parameters tbody tr").allInnerTexts();
    expect(values.map((row) => row.split("\t"))).toEqual([
      ["fast", "10", "integer, >= 1"],
      ["slow", "30", "integer, >= 2"],
    ]);
    expect(await page.locator("#definition-orders dd").allTextContents()).toEqual([
      "50% of available margin",
      "2 × ATR(14) from the signal bar's close",
      "6% from the signal bar's close",
    ]);

    // The JSON, folded until asked for, and copied as it is.
    const json = page.locator("#definition-json");
    expect(await json.isVisible()).toBe(false);
    await page.click("#definition-raw summary");
    expect(await json.isVisible()).toBe(true);
    expect(JSON.parse((await json.textContent()) ?? "")).toEqual(MARKUP_DEFINITION);
    await page.click("#copy-definition");
    await page.locator("#definition-raw [role=status]", { hasText: "Copied." }).waitFor();
    const copied = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(JSON.parse(copied)).toEqual(MARKUP_DEFINITION);
    await page
      .locator("#definition")
      .screenshot({ path: join(ARTIFACTS, "dashboard-definition.png") });
    expect(pageErrors).toEqual([]);
  });

  it("shows a failed run's error", async () => {
    const accepted = await postSigned(stack.url, SECRET, {
      ...SWEEP,
      data: { path: "no-such-file.csv" },
      label: "dashboard: missing data",
    });
    const runId = String(accepted.json.runId);
    const run = await waitUntilFinal(stack.url, runId);
    expect(run.error).toEqual(expect.any(String));
    await page.goto(`${stack.url}/#/runs/${runId}`);
    await page.locator(".error-box").waitFor();
    expect(await page.locator(".error-box").textContent()).toContain(String(run.error));
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-failed.png") });
  });
});

/**
 * Polls GET /runs/:id, with the token, until the run's status is final. A 404 means not yet:
 * the webhook's 202 comes before dispatch has recorded the run.
 */
async function waitUntilFinal(url: string, runId: string): Promise<Record<string, unknown>> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const response = await fetch(`${url}/runs/${runId}`, { headers: auth });
    const run = (await response.json()) as Record<string, unknown>;
    if (response.ok && !["queued", "running"].includes(String(run.status))) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish within 60 s`);
}
