// The start banner: where to send webhooks, the secret, and a request to try.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import type { Stack } from "./start-stack.ts";

const EXAMPLE = new URL("../examples/sma-sweep.json", import.meta.url);

/** A few lines for a newcomer: URLs, secret, and two ways to send a signed request. */
export function banner(stack: Stack): string {
  const { adapters, config } = stack.context;
  const hook = `${stack.url}/webhooks/backtest`;
  const body = JSON.stringify(JSON.parse(readFileSync(EXAMPLE, "utf8")));
  const now = new Date();
  const id = `msg_${now.getTime()}`;
  const signature = new Webhook(stack.secret).sign(id, now, body);
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return `
Zixly Pipelines is running: database ${adapters.kinds.database}, cache ${adapters.kinds.cache}, Jobs as local processes (${config.JOB_CONCURRENCY} at a time)

  webhooks  POST ${hook}   (Standard Webhooks)
  secret    ${stack.secret}
  runs      GET  ${stack.url}/runs   and   ${stack.url}/runs/<runId>

Send a sweep and follow it:
  npm run -s zixly -- submit --url ${hook} --secret ${q(stack.secret)} --request examples/sma-sweep.json

Or with curl (this signature is valid for 5 minutes):
  curl -i -X POST ${hook} -H 'content-type: application/json' \\
    -H 'webhook-id: ${id}' -H 'webhook-timestamp: ${Math.floor(now.getTime() / 1000)}' \\
    -H ${q(`webhook-signature: ${signature}`)} \\
    -d ${q(body)}

Ctrl-C stops it after running work has finished.
`;
}
