// Reads a request body into memory, refusing it with 413 as soon as it passes a limit.
import type { IncomingMessage } from "node:http";
import { PayloadTooLarge } from "./http-errors.ts";

/**
 * The whole body as bytes. A declared Content-Length over `limitBytes` is refused before
 * reading; a body that grows past it while streaming is refused there. Either way the rest
 * is drained, so the 413 can still be read by the client.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.reject(new PayloadTooLarge(limitBytes, declared));
  }
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
    req.on("error", reject);
  });
}
