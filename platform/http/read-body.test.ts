// readBody: the body under a limit, or a typed ClientAborted when the client leaves mid-body.
import { createServer, type IncomingMessage } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { describe, expect, it } from "vitest";
import { ClientAborted, PayloadTooLarge } from "./http-errors.ts";
import { readBody } from "./read-body.ts";

/** Serves one request, sends it `raw` on a socket, then `end`s or resets the socket; resolves with what readBody did. */
async function readOne(raw: string, ending: "end" | "reset", limit = 1024): Promise<unknown> {
  let settle: (value: unknown) => void = () => {};
  const outcome = new Promise((resolve) => {
    settle = resolve;
  });
  const server = createServer((req: IncomingMessage, res) => {
    readBody(req, limit).then(
      (body) => {
        settle(body.toString("utf8"));
        res.end();
      },
      (error: unknown) => {
        settle(error);
        res.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  socket.on("error", () => {});
  socket.resume();
  socket.write(raw);
  if (ending === "reset") {
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.resetAndDestroy();
  }
  const result = await outcome;
  socket.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return result;
}

const head = (length: number) => `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${length}\r\n\r\n`;

describe("readBody", () => {
  it("reads the whole body", async () => {
    expect(await readOne(`${head(7)}{"a":1}`, "end")).toBe('{"a":1}');
  });

  it("refuses a declared or streamed body over the limit with 413", async () => {
    expect(await readOne(`${head(5000)}x`, "end")).toBeInstanceOf(PayloadTooLarge);
  });

  it("rejects with ClientAborted when the client resets its connection mid-body", async () => {
    const error = await readOne(`${head(100)}{"strategy":`, "reset");
    expect(error).toBeInstanceOf(ClientAborted);
  });
});
