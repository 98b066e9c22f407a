// Sends raw request bytes over a TCP socket and reads the status line and body of the answer.
import { connect } from "node:net";

/** How one exchange ended, from the client's side. */
export type Exchange =
  | {
      readonly kind: "response";
      readonly status: number;
      /** The final response's head (interim 1xx heads skipped), as latin1. */
      readonly head: string;
      /** The body received, up to the cap; for an event stream, what came with the head. */
      readonly body: Buffer;
      readonly ms: number;
    }
  /** The server closed the connection without a byte of response. */
  | { readonly kind: "closed"; readonly ms: number }
  /** A socket error (ECONNRESET, EPIPE, ...) before any response. */
  | { readonly kind: "reset"; readonly code: string; readonly ms: number }
  /** The server closed in the middle of a response head. */
  | { readonly kind: "cut"; readonly received: string; readonly ms: number }
  /** No complete answer within the time limit: what had arrived by then. */
  | { readonly kind: "timeout"; readonly received: string; readonly ms: number };

export interface ExchangeOptions {
  readonly port: number;
  readonly host?: string;
  /** Offsets where the bytes are cut into separate writes. */
  readonly cuts?: readonly number[];
  /** End the client's side after writing (the server then sees end-of-stream). */
  readonly halfClose?: boolean;
  readonly timeoutMs: number;
  /** Body bytes kept at most; reading stops there (default 256 KiB). */
  readonly maxBodyBytes?: number;
}

const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/;

/** The head's header `name` (lower-case), first occurrence. */
function headerOf(head: string, name: string): string | undefined {
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name)
      return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** A chunked body decoded, as far as it is well-formed; what follows a malformed size is dropped. */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", at, "latin1");
    const size =
      eol < 0 ? Number.NaN : Number.parseInt(raw.subarray(at, eol).toString("latin1"), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** A final response head at the start of `data`, with what follows it; 1xx heads are skipped. */
function finalHead(
  data: Buffer,
): { head: string; status: number; rest: Buffer } | "incomplete" | "garbage" {
  let at = 0;
  for (;;) {
    const end = data.indexOf(HEAD_END, at);
    if (end < 0) return "incomplete";
    const head = data.subarray(at, end).toString("latin1");
    const match = STATUS_LINE.exec(head.split("\r\n")[0]);
    if (!match) return "garbage";
    const status = Number(match[1]);
    at = end + HEAD_END.length;
    if (status >= 200 || status === 101) return { head, status, rest: data.subarray(at) };
  }
}

/**
 * Writes `bytes` to a fresh connection and waits for the answer: the response is complete
 * when the server closes (every request says `Connection: close`), when its Content-Length
 * has arrived, or at once for an event stream, which never ends by itself.
 */
export function exchange(bytes: Buffer, options: ExchangeOptions): Promise<Exchange> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const cap = options.maxBodyBytes ?? 256 * 1024;
  return new Promise((resolve) => {
    const socket = connect(options.port, options.host ?? "127.0.0.1");
    let received = Buffer.alloc(0);
    let done = false;
    let errorCode: string | undefined;

    const finish = (result: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const fromReceived = (closed: boolean): Exchange | undefined => {
      const parsed = finalHead(received);
      if (parsed === "garbage") {
        return {
          kind: "response",
          status: 0,
          head: received.toString("latin1"),
          body: received,
          ms: ms(),
        };
      }
      if (parsed === "incomplete") {
        if (!closed) return undefined;
        if (received.length === 0)
          return errorCode
            ? { kind: "reset", code: errorCode, ms: ms() }
            : { kind: "closed", ms: ms() };
        return { kind: "cut", received: received.toString("latin1").slice(0, 500), ms: ms() };
      }
      const { head, status, rest } = parsed;
      const chunked = /chunked/i.test(headerOf(head, "transfer-encoding") ?? "");
      const response = (raw: Buffer): Exchange => ({
        kind: "response",
        status,
        head,
        body: chunked ? dechunk(raw) : raw,
        ms: ms(),
      });
      if (closed) return response(rest);
      if (/^text\/event-stream/i.test(headerOf(head, "content-type") ?? "")) return response(rest);
      const length = Number(headerOf(head, "content-length"));
      if (Number.isInteger(length) && rest.length >= length)
        return response(rest.subarray(0, length));
      if (rest.length >= cap) return response(rest.subarray(0, cap));
      return undefined;
    };

    const timer = setTimeout(
      () =>
        finish({ kind: "timeout", received: received.toString("latin1").slice(0, 500), ms: ms() }),
      options.timeoutMs,
    );
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const result = fromReceived(false);
      if (result) finish(result);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      errorCode ??= error.code ?? error.message;
    });
    socket.on("close", () => {
      finish(fromReceived(true) ?? { kind: "closed", ms: ms() });
    });
    socket.once("connect", () => {
      void (async () => {
        let at = 0;
        for (const cut of [...(options.cuts ?? []), bytes.length]) {
          if (cut <= at || cut > bytes.length) continue;
          if (socket.destroyed || !socket.writable) return;
          socket.write(bytes.subarray(at, cut));
          at = cut;
          // A turn of the event loop between pieces, so they arrive as separate reads.
          await new Promise((r) => setTimeout(r, 1));
        }
        if (options.halfClose && !socket.destroyed) socket.end();
      })();
    });
  });
}
