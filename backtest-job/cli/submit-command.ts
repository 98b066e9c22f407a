// `zixly submit`: sign a request, send it to a webhook, follow the run, print the best rows.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { getJson, RunNotFound } from "./api-client.ts";
import { ResultsPageSchema, RunViewSchema } from "./api-responses.ts";
import { parseFlags } from "./args.ts";
import { BadInput } from "./bad-input.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { positiveIntegerFlag, requireFlag } from "./flag-values.ts";
import { followRun } from "./follow-run.ts";
import { resultsTable } from "./results-table.ts";
import { readStrategyFile, STRATEGY_FILE_FLAG } from "./strategy-flags.ts";

const FLAGS = {
  url: { type: "string" },
  secret: { type: "string" },
  request: { type: "string" },
  ...STRATEGY_FILE_FLAG,
  token: { type: "string" },
  top: { type: "string" },
  "no-wait": { type: "boolean" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Pause between two polls of the run. */
const POLL_MS = 250;

/**
 * The run from `get`, waiting while the API does not know it yet. A 202 is a promise, but the
 * run is recorded only when dispatch-backtest receives its event from the broker: with
 * separate processes (compose, Knative) the first polls can come first and answer 404.
 * Past `deadline` (--timeout) the 404 is reported as it is.
 */
async function recorded<T>(get: () => Promise<T>, deadline: number, pauseMs: number): Promise<T> {
  for (;;) {
    try {
      return await get();
    } catch (error) {
      if (!(error instanceof RunNotFound) || Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, deadline - Date.now())));
  }
}

/**
 * Sends `--request FILE` to `--url`, signed with `--secret` (Standard Webhooks), its strategy
 * replaced by the definition in `--strategy-file` when given (checked here first), then polls
 * the run's status URL until it finishes and prints its best rows. Exit 0 when the run
 * succeeded, 1 when it failed, 2 for bad input or a refused request.
 */
export async function submitCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags("submit", args, FLAGS);
  const url = requireFlag("submit", "--url", flags.url);
  const secret = requireFlag("submit", "--secret", flags.secret);
  const file = requireFlag("submit", "--request", flags.request);
  const top = flags.top === undefined ? 5 : positiveIntegerFlag("--top", flags.top);
  const timeoutMs =
    (flags.timeout === undefined ? 600 : positiveIntegerFlag("--timeout", flags.timeout)) * 1000;
  if (!secret.startsWith("whsec_")) throw new BadInput("--secret: must start with whsec_");
  // Checked before the request is read, so that a bad definition is named before anything else.
  const definition =
    flags["strategy-file"] === undefined ? undefined : readStrategyFile(flags["strategy-file"]).ref;
  let request: unknown;
  try {
    request = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new BadInput(`--request: cannot read "${file}" as JSON: ${(error as Error).message}`);
  }
  if (definition !== undefined) {
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      throw new BadInput(`--request: "${file}" is not a JSON object`);
    }
    // The file's definition takes the place of whatever strategy the request names.
    request = { ...request, strategy: definition };
  }
  const body = JSON.stringify(request);
  const id = `msg_${randomUUID()}`;
  const now = new Date();
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, now, body),
    },
    body,
  }).catch((error: unknown) => {
    throw new BadInput(`--url: cannot reach ${url}: ${(error as Error).message}`);
  });
  const answer = (await response.json().catch(() => ({}))) as {
    runId?: string;
    statusUrl?: string;
    error?: { message?: string };
  };
  const statusUrl = answer.statusUrl;
  if (response.status !== 202 || !statusUrl) {
    throw new BadInput(
      `the webhook answered ${response.status}: ${answer.error?.message ?? "no run"}`,
    );
  }
  io.stderr(`run ${answer.runId} accepted\n`);
  if (flags["no-wait"]) {
    io.stdout(flags.json ? `${JSON.stringify(answer)}\n` : `${statusUrl}\n`);
    return EXIT.ok;
  }
  // The same fallback as the API commands, so one exported ZIXLY_TOKEN serves them all.
  const auth = { token: flags.token || process.env.ZIXLY_TOKEN || undefined };
  const context = { runId: answer.runId };
  const get = () => getJson(statusUrl, RunViewSchema, auth, context);
  const deadline = Date.now() + timeoutMs;
  const run = await followRun(() => recorded(get, deadline, POLL_MS), io, {
    intervalMs: POLL_MS,
    timeoutMs,
  });
  // Best first by the statistic the request ranked by.
  const sort = run.sort ? `&sort=${encodeURIComponent(run.sort)}` : "";
  const results = await getJson(
    `${statusUrl}/results?limit=${top}${sort}`,
    ResultsPageSchema,
    auth,
    context,
  );
  if (flags.json) {
    io.stdout(`${JSON.stringify({ ...run, results: results.results })}\n`);
  } else if (run.status === "succeeded") {
    io.stdout(resultsTable(results.results, run.sort));
  } else {
    io.stdout(`run ${run.runId} ${run.status}: ${run.error ?? ""}\n`);
  }
  // A run that failed is not bad input: exit 1, and the line above says why.
  return run.status === "succeeded" ? EXIT.ok : 1;
}
