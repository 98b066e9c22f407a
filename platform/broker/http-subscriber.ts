// A subscriber reached over HTTP, as a Knative Trigger reaches its Service.
import type { CloudEvent } from "cloudevents";
import { toBinaryHttp } from "../../events/index.ts";
import { TOKEN_CHARACTERS } from "./broker-credentials.ts";
import type { Subscriber } from "./embedded-broker.ts";

/** How the broker reaches a subscriber. */
export interface DeliveryOptions {
  /**
   * Sent as `Authorization: Bearer <token>`: compose's BROKER_TOKEN, which the functions
   * require of every event (functions/function-server.ts). Without it, no Authorization.
   */
  readonly token?: string;
  /** Per delivery (default 30,000 ms). */
  readonly timeoutMs?: number;
}

/**
 * POSTs each event in binary mode to `url` and hands the status back to the broker, whose
 * delivery rules decide on retries. A network error rejects, which the broker retries too.
 * @throws {RangeError} at once for a token a header cannot carry (fetch would quote it).
 */
export function httpSubscriber(url: string, options: DeliveryOptions = {}): Subscriber {
  checkToken(options.token);
  return async (event) => {
    const response = await postEvent(url, event, options);
    const body = await response.text().catch(() => "");
    return { status: response.status, body };
  };
}

/**
 * POSTs one event in binary mode, with the token as a bearer token when given.
 * @throws {RangeError} for a token a header cannot carry.
 */
export function postEvent(
  url: string,
  event: CloudEvent<unknown>,
  options: DeliveryOptions = {},
): Promise<Response> {
  checkToken(options.token);
  const { headers, body } = toBinaryHttp(event);
  return fetch(url, {
    method: "POST",
    headers:
      options.token === undefined
        ? headers
        : { ...headers, authorization: `Bearer ${options.token}` },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    redirect: "manual",
  });
}

function checkToken(token: string | undefined): void {
  // The message never quotes the token: it is the secret.
  if (token !== undefined && !TOKEN_CHARACTERS.test(token))
    throw new RangeError("the subscriber token must be printable ASCII without spaces");
}
