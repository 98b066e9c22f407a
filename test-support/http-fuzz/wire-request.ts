// One HTTP/1.1 request as raw bytes: what the fuzzer sends, including framing node's client refuses.

/**
 * A string of bytes: every character is one byte (code 0 to 255), so a request can carry
 * what is not text (raw UTF-8, control characters, obs-text) exactly as generated.
 * {@link utf8Bytes} turns text into one.
 */
export type ByteString = string;

/** The text `s` as the byte string of its UTF-8 encoding. */
export function utf8Bytes(s: string): ByteString {
  return Buffer.from(s, "utf8").toString("latin1");
}

/**
 * How the body is delimited.
 * - `length`: a correct Content-Length (none at all when the body is empty and the method
 *   usually has none).
 * - `chunked`: Transfer-Encoding: chunked, cut into chunks of these sizes (the rest in one).
 * - `none`: no length at all; the body bytes follow, and node reads them as the next request.
 * - `declared`: this Content-Length value whatever the body, e.g. `-1`, `1e3`, `5, 6`.
 * - `short`: a Content-Length this many bytes under the body's; the rest is a second request.
 * - `truncated`: a Content-Length this many bytes over the body's, and the client half-closes:
 *   node sees the end of the stream in the middle of a body.
 */
export type Framing =
  | { readonly kind: "length" }
  | { readonly kind: "chunked"; readonly sizes: readonly number[] }
  | { readonly kind: "none" }
  | { readonly kind: "declared"; readonly value: ByteString }
  | { readonly kind: "short"; readonly by: number }
  | { readonly kind: "truncated"; readonly by: number };

/** A request as the fuzzer generates it; {@link encode} makes the bytes. */
export interface WireRequest {
  readonly method: ByteString;
  /** The request-target as sent: path and query, `*`, or an absolute URL. */
  readonly target: ByteString;
  readonly version: "HTTP/1.1" | "HTTP/1.0";
  /** Headers in order, duplicates allowed; `Host` and `Connection: close` are added by encode. */
  readonly headers: readonly (readonly [ByteString, ByteString])[];
  /** Leave out the Host header (HTTP/1.1 requires it: node answers 400). */
  readonly omitHost: boolean;
  readonly body: Uint8Array;
  readonly framing: Framing;
  /** Where the bytes are cut into separate writes (offsets), to exercise partial parsing. */
  readonly cuts: readonly number[];
}

/** Whether the client half-closes after writing: only `truncated` framing needs it. */
export function halfCloses(request: WireRequest): boolean {
  return request.framing.kind === "truncated";
}

function chunked(body: Uint8Array, sizes: readonly number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of [...sizes, body.length]) {
    const take = Math.min(size, body.length - at);
    if (take <= 0) continue;
    parts.push(Buffer.from(`${take.toString(16)}\r\n`, "latin1"));
    parts.push(Buffer.from(body.subarray(at, at + take)));
    parts.push(Buffer.from("\r\n", "latin1"));
    at += take;
  }
  parts.push(Buffer.from("0\r\n\r\n", "latin1"));
  return Buffer.concat(parts);
}

/**
 * The bytes of `request` for `host`: request line, Host (unless omitted), its headers, the
 * framing's header, `Connection: close`, then the body as the framing delimits it.
 *
 * @example encode(request, "127.0.0.1:8080") // <Buffer 47 45 54 20 2f ...>
 */
export function encode(request: WireRequest, host: string): Buffer {
  const lines = [`${request.method} ${request.target} ${request.version}`];
  if (!request.omitHost) lines.push(`Host: ${host}`);
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  const { body, framing } = request;
  let payload: Buffer = Buffer.from(body);
  switch (framing.kind) {
    case "length":
      if (body.length > 0 || !["GET", "HEAD"].includes(request.method))
        lines.push(`Content-Length: ${body.length}`);
      break;
    case "chunked":
      lines.push("Transfer-Encoding: chunked");
      payload = chunked(body, framing.sizes);
      break;
    case "none":
      break;
    case "declared":
      lines.push(`Content-Length: ${framing.value}`);
      break;
    case "short":
      lines.push(`Content-Length: ${Math.max(0, body.length - framing.by)}`);
      break;
    case "truncated":
      lines.push(`Content-Length: ${body.length + framing.by}`);
      break;
  }
  lines.push("Connection: close");
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), payload]);
}

/** A short, printable description of a request for failure messages: head and body excerpt. */
export function showRequest(request: WireRequest): string {
  const head = encode({ ...request, body: new Uint8Array(0), framing: { kind: "none" } }, "HOST")
    .toString("latin1")
    .replace(/\r\n\r\n$/, "");
  const body = Buffer.from(request.body).toString("latin1");
  const shown = body.length > 300 ? `${body.slice(0, 300)}... (${body.length} bytes)` : body;
  return `${JSON.stringify(head)}\n  framing ${JSON.stringify(request.framing)}, cuts ${JSON.stringify(request.cuts)}\n  body ${JSON.stringify(shown)}`;
}
