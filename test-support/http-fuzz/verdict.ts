// What the fuzz test accepts as an answer: any status under 500 that leaks nothing, in time.
import type { Exchange } from "./raw-exchange.ts";
import type { WireRequest } from "./wire-request.ts";

/** A stack frame in a body or a log: `    at fn (file:1:2)`, plain, JSON-escaped or HTML-escaped. */
export const STACK_FRAME = /(?:\n|\\n|<br>)(?: |&nbsp;){4,}at /;

/**
 * Why `exchange` is not an acceptable answer to `request`, or undefined when it is.
 *
 * Accepted: a response under 500 whose body shows no stack trace. 503 is refused too: the
 * server under test has every dependency up. Also accepted are the two silences node keeps
 * by design: CONNECT, which node:http drops without a `connect` listener, and a request the
 * client cut short by half-closing (framing `truncated`), which may be dropped once the
 * server sees the end of the stream before any answer was written.
 */
export function verdict(request: WireRequest, exchange: Exchange): string | undefined {
  switch (exchange.kind) {
    case "response": {
      if (exchange.status === 0)
        return `answered with something that is not HTTP: ${JSON.stringify(exchange.head.slice(0, 200))}`;
      if (exchange.status >= 500) return `answered ${exchange.status}: ${excerpt(exchange.body)}`;
      if (STACK_FRAME.test(exchange.body.toString("latin1")))
        return `answered ${exchange.status} with a stack trace: ${excerpt(exchange.body)}`;
      return undefined;
    }
    case "closed":
    case "reset":
      if (request.method === "CONNECT") return undefined;
      if (request.framing.kind === "truncated") return undefined;
      return exchange.kind === "closed"
        ? "closed the connection without an answer"
        : `reset the connection without an answer (${exchange.code})`;
    case "cut":
      return `closed the connection in the middle of the response head: ${JSON.stringify(exchange.received)}`;
    case "timeout":
      return `no complete answer within ${exchange.ms} ms (received ${JSON.stringify(exchange.received.slice(0, 200))})`;
  }
}

/** The text around the first stack frame in `log`, or "" when it shows none. */
export function stackTraceExcerpt(log: string): string {
  const at = log.search(STACK_FRAME);
  return at < 0 ? "" : log.slice(Math.max(0, at - 1500), at + 1500);
}

function excerpt(body: Buffer): string {
  const text = body.toString("utf8");
  return JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}...` : text);
}
