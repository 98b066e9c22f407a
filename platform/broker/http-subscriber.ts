// A subscriber reached over HTTP, as a Knative Trigger reaches its Service.
import type { CloudEvent } from "cloudevents";
import { toBinaryHttp } from "../../events/index.ts";
import type { Subscriber } from "./embedded-broker.ts";

/**
 * POSTs each event in binary mode to `url` and hands the status back to the broker, whose
 * delivery rules decide on retries. A network error rejects, which the broker retries too.
 */
export function httpSubscriber(url: string, timeoutMs = 30_000): Subscriber {
  return async (event) => {
    const response = await postEvent(url, event, timeoutMs);
    const body = await response.text().catch(() => "");
    return { status: response.status, body };
  };
}

/** POSTs one event in binary mode. */
export function postEvent(
  url: string,
  event: CloudEvent<unknown>,
  timeoutMs = 30_000,
): Promise<Response> {
  const { headers, body } = toBinaryHttp(event);
  return fetch(url, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: "manual",
  });
}
