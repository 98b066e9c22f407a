// `zixly submit`: sign a request, send it to a webhook, follow the run, print the best rows.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { parseFlags } from "./args.ts";
import { BadInput } from "./bad-input.ts";
import type { CliIo } from "./cli-io.ts";
import { EXIT } from "./exit-code.ts";
import { positiveIntegerFlag, requireFlag } from "./flag-values.ts";
import { formatNumber, formatTable } from "./format-table.ts";
import { progressBar } from "./progress-bar.ts";

const FLAGS = {
  url: { type: "string" },
  secret: { type: "string" },
  request: { type: "string" },
  token: { type: "string" },
  top: { type: "string" },
  "no-wait": { type: "boolean" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const SUMMARY = [
  "equityFinal",
  "returnPct",
  "maxDrawdownPct",
  "sharpeRatio",
  "trades",
  "winRatePct",
];

interface RunStatus {
  runId: string;
  status: string;
  progress: { done: number; total: number };
  error: string | null;
}

/**
 * Sends `--request FILE` to `--url`, signed with `--secret` (Standard Webhooks), then polls
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
  let body: string;
  try {
    body = JSON.stringify(JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    throw new BadInput(`--request: cannot read "${file}" as JSON: ${(error as Error).message}`);
  }
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
  if (response.status !== 202 || !answer.statusUrl) {
    throw new BadInput(
      `the webhook answered ${response.status}: ${answer.error?.message ?? "no run"}`,
    );
  }
  io.stderr(`run ${answer.runId} accepted\n`);
  if (flags["no-wait"]) {
    io.stdout(flags.json ? `${JSON.stringify(answer)}\n` : `${answer.statusUrl}\n`);
    return EXIT.ok;
  }
  const headers: Record<string, string> = flags.token
    ? { authorization: `Bearer ${flags.token}` }
    : {};
  const run = await follow(answer.statusUrl, headers, timeoutMs, io);
  const results = (await getJson(`${answer.statusUrl}/results?limit=${top}`, headers)) as {
    results: { params: Record<string, number>; stats: Record<string, number | null> }[];
  };
  if (flags.json) {
    io.stdout(`${JSON.stringify({ ...run, results: results.results })}\n`);
  } else if (run.status === "succeeded") {
    const names = Object.keys(results.results[0]?.params ?? {});
    io.stdout(
      `${formatTable(
        [
          ...names.map((title) => ({ title, align: "right" as const })),
          ...SUMMARY.map((title) => ({ title, align: "right" as const })),
        ],
        results.results.map((r) => [
          ...names.map((n) => formatNumber(r.params[n])),
          ...SUMMARY.map((s) => formatNumber(r.stats[s] ?? Number.NaN)),
        ]),
      )}`,
    );
  } else {
    io.stdout(`run ${run.runId} ${run.status}: ${run.error ?? ""}\n`);
  }
  // A run that failed is not bad input: exit 1, and the line above says why.
  return run.status === "succeeded" ? EXIT.ok : 1;
}

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new BadInput(`GET ${url} answered ${response.status}`);
  return response.json();
}

async function follow(
  statusUrl: string,
  headers: Record<string, string>,
  timeoutMs: number,
  io: CliIo,
): Promise<RunStatus> {
  const bar = io.stderrIsTTY ? progressBar(io.stderr) : undefined;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const run = (await getJson(statusUrl, headers)) as RunStatus;
      bar?.update(run.progress.done, run.progress.total);
      if (!["queued", "running"].includes(run.status)) return run;
      if (Date.now() > deadline)
        throw new BadInput(`--timeout: run still ${run.status} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    bar?.clear();
  }
}
