// Signed webhooks to a stack under fault: raw bodies, distinct ids, and no answer counted as an answer.
import { signedHeaders } from "../../test-support/signed-webhook.ts";

/** What came back for one webhook; status 0 means no HTTP answer at all. */
export interface WebhookAnswer {
  readonly status: number;
  /** The parsed JSON body, or the text when it was not JSON. */
  readonly body: unknown;
  readonly ms: number;
  /** Why there was no answer (connection refused, timeout). */
  readonly error?: string;
}

/**
 * POSTs `raw` to `<url>/webhooks/backtest`, signed with `secret` under webhook id `id`.
 * The body is sent byte for byte, so a test can put JSON escapes such as \u0000 in it.
 * Never throws: a refused connection or a timeout is an answer with status 0.
 */
export async function sendWebhook(
  url: string,
  secret: string,
  raw: string,
  id: string,
  timeoutMs = 20_000,
): Promise<WebhookAnswer> {
  const started = Date.now();
  try {
    const response = await fetch(`${url}/webhooks/backtest`, {
      method: "POST",
      headers: signedHeaders(secret, raw, id),
      body: raw,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text, a 500 page says more than nothing.
    }
    return { status: response.status, body, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, body: undefined, ms: Date.now() - started, error: String(error) };
  }
}

/** GETs `<url><path>` as JSON; status 0 when nothing answered within `timeoutMs`. */
export async function getJson(
  url: string,
  path: string,
  timeoutMs = 10_000,
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  try {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => undefined)) as
      | Record<string, unknown>
      | undefined;
    return { status: response.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** POSTs to `<url><path>` without a body; the status, or 0 when nothing answered. */
export async function postEmpty(url: string, path: string, timeoutMs = 10_000): Promise<number> {
  try {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}
