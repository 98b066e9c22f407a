// Reads a request body into memory, refusing it with 413 as soon as it passes a limit.
import type { IncomingMessage } from "node:http";
import { ClientAborted, PayloadTooLarge } from "./http-errors.ts";

/**
 * The whole body as bytes. A declared Content-Length over `limitBytes` is refused before
 * reading; a body that grows past it while streaming is refused there. Either way the rest
 * is drained, so the 413 can still be read by the client. A client that closes or resets
 * its connection mid-body (or is cut off by the server's request timeout) rejects with
 * {@link ClientAborted}: there is no one to answer, and nothing went wrong here.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.reject(new PayloadTooLarge(limitBytes, declared));
  }
  // Gone before anything listened: its 'error' and 'close' have been and will not come again.
  if (req.destroyed && !req.complete) return Promise.reject(new ClientAborted());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(new PayloadTooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    // node reports a reset or a closed connection mid-body as an "aborted" error on the
    // request, or only as a 'close' before the body was complete.
    req.on("error", (error) => reject(new ClientAborted({ cause: error })));
    req.on("close", () => {
      if (!req.complete) reject(new ClientAborted());
    });
  });
}
