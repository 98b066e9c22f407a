// The start banner: where to send webhooks, the secret when the stack made it, and a request to try.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import type { Stack } from "./start-stack.ts";

const EXAMPLE = new URL("../examples/sma-sweep.json", import.meta.url);

/** What the banner is told besides the stack. */
export interface BannerOptions {
  /** `npm start` turned ALLOW_INSECURE_URLS on because it was not set (stack-config.ts). */
  readonly insecureUrlsByDefault?: boolean;
}

/** What the banner needs of a running stack. */
export type BannerStack = Pick<Stack, "url" | "secret" | "secretGenerated"> & {
  readonly context: Pick<Stack["context"], "adapters" | "config">;
};

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * A few lines for a newcomer: URLs, the secret, and ways to send a signed request. The secret
 * is printed only when the stack generated it (only this machine knows it); one set with
 * WEBHOOK_SECRET is never printed, and the examples read it from the shell's $WEBHOOK_SECRET.
 * The API token is never printed either. A curl example carries a signature made with the
 * secret, so it is shown only with a generated secret.
 */
export function banner(stack: BannerStack, options: BannerOptions = {}): string {
  const { adapters, config } = stack.context;
  const hook = `${stack.url}/webhooks/backtest`;
  const secretArg = stack.secretGenerated ? q(stack.secret) : '"$WEBHOOK_SECRET"';
  const tokenArg = config.API_TOKEN ? ' --token "$API_TOKEN"' : "";
  const lines = [
    "",
    `Zixly Pipelines is running: database ${adapters.kinds.database}, cache ${adapters.kinds.cache}, Jobs as local processes (${config.JOB_CONCURRENCY} at a time)`,
    "",
    `  webhooks  POST ${hook}   (Standard Webhooks)`,
    `  secret    ${stack.secretGenerated ? stack.secret : "from WEBHOOK_SECRET (not shown)"}`,
    `  runs      GET  ${stack.url}/runs   and   ${stack.url}/runs/<runId>`,
    ...insecureLines(config.ALLOW_INSECURE_URLS, options.insecureUrlsByDefault ?? false),
    "",
    "Send a sweep and follow it:",
    `  npm run -s zixly -- submit --url ${hook} --secret ${secretArg}${tokenArg} --request examples/sma-sweep.json`,
    ...(stack.secretGenerated ? curlLines(hook, stack.secret) : []),
    "",
    "Ctrl-C stops it after running work has finished.",
    "",
  ];
  return lines.join("\n");
}

function insecureLines(allowed: boolean, byDefault: boolean): string[] {
  if (!allowed) return [];
  return byDefault
    ? [
        "  urls      callbacks and data URLs may use http and private addresses: ALLOW_INSECURE_URLS",
        "            was not set, so npm start allows them for local development;",
        "            set ALLOW_INSECURE_URLS=false to refuse them",
      ]
    : [
        "  urls      callbacks and data URLs may use http and private addresses (ALLOW_INSECURE_URLS)",
      ];
}

function curlLines(hook: string, secret: string): string[] {
  const body = JSON.stringify(JSON.parse(readFileSync(EXAMPLE, "utf8")));
  const now = new Date();
  const id = `msg_${now.getTime()}`;
  const signature = new Webhook(secret).sign(id, now, body);
  return [
    "",
    "Or with curl (this signature is valid for 5 minutes):",
    `  curl -i -X POST ${hook} -H 'content-type: application/json' \\`,
    `    -H 'webhook-id: ${id}' -H 'webhook-timestamp: ${Math.floor(now.getTime() / 1000)}' \\`,
    `    -H ${q(`webhook-signature: ${signature}`)} \\`,
    `    -d ${q(body)}`,
  ];
}
