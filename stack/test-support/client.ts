// A test client for a running stack: signed webhooks and polling the api.
import { signedHeaders } from "../../test-support/signed-webhook.ts";

/** Sends `body` to /webhooks/backtest signed with `secret`; `at` and `id` may be forced. */
export async function postSigned(
  url: string,
  secret: string,
  body: unknown,
  options: { id?: string; at?: Date; signature?: string; contentType?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers = signedHeaders(secret, raw, options.id, options.at);
  if (options.contentType) headers["content-type"] = options.contentType;
  if (options.signature) headers["webhook-signature"] = options.signature;
  const response = await fetch(`${url}/webhooks/backtest`, {
    method: "POST",
    headers,
    body: raw,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Polls GET /runs/:id until its status is final or `timeoutMs` passes. */
export async function waitForRun(
  url: string,
  runId: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await (await fetch(`${url}/runs/${runId}`)).json()) as Record<string, unknown>;
    if (!["queued", "running"].includes(String(run.status)) && run.status !== undefined) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} still ${String(run.status)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
