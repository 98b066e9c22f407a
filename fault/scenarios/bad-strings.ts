// U+0000 and lone surrogates in every string of a request: 400 with the field's path, and no run ever exists.
import { expect } from "vitest";
import { deriveRunId } from "../../events/index.ts";
import type { Cleanup } from "../harness/cleanup.ts";
import type { FaultMode } from "../harness/fault-mode.ts";
import { sleep } from "../harness/wait.ts";
import { getJson } from "../harness/webhook-client.ts";
import { finish, report, rig, settle } from "./scenario-kit.ts";

/** Stands for the bad character in a body until it is swapped for its JSON escape. */
const MARK = "@@BAD@@";

/** What Postgres cannot store, as the JSON escapes a client would send. */
const BAD = [
  { name: "U+0000", escape: "\\u0000" },
  { name: "lone high surrogate", escape: "\\ud800" },
  { name: "lone low surrogate", escape: "\\udc00" },
] as const;

/** A valid single backtest; each field below puts the mark into one of its strings. */
const BASE = {
  strategy: "sma-crossover",
  params: { fast: 5, slow: 30 },
  data: { synthetic: { bars: 2_000, seed: 1 } },
  shards: 1,
};

/** Every string field of a request, with the path a 400 must name. */
const FIELDS: readonly { path: string; body: Record<string, unknown> }[] = [
  { path: "strategy", body: { ...BASE, strategy: `sma-crossover${MARK}` } },
  { path: "label", body: { ...BASE, label: `fault ${MARK} label` } },
  {
    path: "data.csv",
    body: { ...BASE, data: { csv: `time,open,high,low,close,volume\n1,1,1,1,1,1${MARK}\n` } },
  },
  { path: "data.path", body: { ...BASE, data: { path: `sample${MARK}.csv` } } },
  // Port 9 on 127.0.0.1: should one slip through, its Job's fetch is refused locally.
  { path: "data.url", body: { ...BASE, data: { url: `http://127.0.0.1:9/bars${MARK}.csv` } } },
  { path: "callbackUrl", body: { ...BASE, callbackUrl: `http://127.0.0.1:9/hook${MARK}` } },
  // A parameter's name: the path starts at params, whatever the server appends for the key.
  { path: "params", body: { ...BASE, params: { [`fa${MARK}st`]: 5, slow: 30 } } },
];

/** Whether a 400 body names `path`: an issue at it (or below it), or the message. */
function namesPath(body: unknown, path: string): boolean {
  const error = (body as { error?: { message?: unknown; issues?: unknown } } | undefined)?.error;
  const issues = Array.isArray(error?.issues) ? (error.issues as { path?: unknown }[]) : [];
  const atPath = issues.some(
    (i) => typeof i.path === "string" && (i.path === path || i.path.startsWith(`${path}.`)),
  );
  return atPath || (typeof error?.message === "string" && error.message.includes(path));
}

async function runTotal(url: string): Promise<number | undefined> {
  const { body } = await getJson(url, "/runs?limit=1");
  return typeof body?.total === "number" ? body.total : undefined;
}

/**
 * Sends each field with each bad character, escaped in the raw body. Each must be refused
 * with 400 naming the field, and the run its webhook id would have made (the run id is
 * derived from source and webhook id, decision 0011) must never exist.
 */
export async function badStrings(mode: FaultMode, cleanup: Cleanup): Promise<void> {
  const r = await rig("bad-strings", mode, cleanup);
  const { stack, ledger } = r;
  const problems: string[] = [];
  let totalBefore: number | undefined;
  let totalAfter: number | undefined;
  try {
    totalBefore = await runTotal(stack.url);
    const sent: { path: string; bad: string; webhookId: string }[] = [];
    for (const field of FIELDS) {
      for (const bad of BAD) {
        const raw = JSON.stringify(field.body).replace(MARK, bad.escape);
        const entry = await ledger.sendRaw(stack, raw, 1, `${field.path} ${bad.name}`);
        sent.push({ path: field.path, bad: bad.name, webhookId: entry.webhookId });
        if (entry.http !== 400) problems.push(`${entry.phase}: answered ${entry.http}, not 400`);
        else if (!namesPath(entry.refusalBody, field.path))
          problems.push(
            `${entry.phase}: the 400 does not name ${field.path}: ${JSON.stringify(entry.refusalBody)}`,
          );
      }
    }
    // Time for anything that was accepted after all to reach dispatch and be recorded.
    await sleep(3_000);
    for (const s of sent) {
      const runId = deriveRunId("backtest", `id:${s.webhookId}`);
      const { status } = await getJson(stack.url, `/runs/${runId}`);
      if (status !== 404)
        problems.push(`${s.path} with ${s.bad}: GET /runs/${runId} answered ${status}, not 404`);
    }
    totalAfter = await runTotal(stack.url);
    ledger.note("GET /runs total before and after", [totalBefore, totalAfter]);
    if (ledger.accepted().length > 0) await settle(r, { timeoutMs: 30_000, stallMs: 10_000 });
    await finish(r);
  } finally {
    report(ledger);
  }
  expect.soft(problems, "every bad string is refused and leaves no run").toEqual([]);
  expect(totalAfter, "GET /runs counts the same runs after as before").toBe(totalBefore);
}
