// One mapping from errors to responses: client mistakes are 4xx and never logged, a client that left gets nothing.
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ClientAborted, InvalidRequest } from "./http-errors.ts";
import { errorResponse, isClientAbort, sendError } from "./send-error.ts";

/** Calls errorResponse and keeps what it logged. */
function mapped(error: unknown) {
  const logged: string[] = [];
  const response = errorResponse(error, (m) => logged.push(m));
  return { ...response, logged };
}

/** An error as express, its router and body-parser make them (the http-errors convention). */
function expressError(status: number, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { status, statusCode: status, ...extra });
}

describe("errorResponse", () => {
  it("answers a named HttpError with its status and code, and logs nothing", () => {
    const { status, body, logged } = mapped(
      new InvalidRequest("bad", [{ path: "x", message: "y" }]),
    );
    expect([status, body.error.code, logged]).toEqual([400, "invalid_request", []]);
  });

  it("keeps the 4xx of express and body-parser, their message only when exposed, and logs nothing", () => {
    const parse = mapped(
      expressError(400, "Unexpected token", { expose: true, type: "entity.parse.failed" }),
    );
    expect([parse.status, parse.body, parse.logged]).toEqual([
      400,
      { error: { code: "invalid_request", message: "Unexpected token" } },
      [],
    ]);
    const decode = mapped(
      Object.assign(new URIError("Failed to decode param '%zz'"), { status: 400 }),
    );
    expect(decode.body.error.message).toBe("the path is not valid percent-encoding");
    const charset = mapped(expressError(415, 'unsupported charset "BOGUS"', { expose: true }));
    expect([charset.status, charset.body.error.code]).toEqual([415, "unsupported_media_type"]);
    const hidden = mapped(expressError(418, "internal detail"));
    expect(hidden.body.error).toEqual({ code: "client_error", message: "I'm a Teapot" });
  });

  it("answers anything else 500 saying nothing, and logs it once", () => {
    const { status, body, logged } = mapped(new Error("database password=x refused"));
    expect([status, body, logged]).toEqual([
      500,
      { error: { code: "internal", message: "internal error" } },
      ["unhandled error"],
    ]);
    expect(mapped(expressError(503, "down")).status).toBe(500);
  });
});

describe("sendError", () => {
  it("tells client aborts apart: ours, and body-parser's request.aborted", () => {
    expect(isClientAbort(new ClientAborted())).toBe(true);
    expect(isClientAbort(expressError(400, "request aborted", { type: "request.aborted" }))).toBe(
      true,
    );
    expect(isClientAbort(new InvalidRequest("x"))).toBe(false);
  });

  it("writes nothing to a client that went away, logs one debug line and nothing at error", async () => {
    const errors: string[] = [];
    const debug: Record<string, unknown>[] = [];
    const server = createServer((_req, res) => {
      sendError(
        res,
        new ClientAborted({ cause: new Error("aborted") }),
        (m) => errors.push(m),
        (m, f) => debug.push({ message: m, ...f }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ port, host: "127.0.0.1", method: "POST" }, (res) =>
        resolve(`answered ${res.statusCode}`),
      );
      req.on("error", (error) => resolve(`closed: ${(error as NodeJS.ErrnoException).code}`));
      req.end("{}");
    });
    await new Promise((resolve) => server.close(resolve));
    expect(outcome).toMatch(/^closed/);
    expect(errors).toEqual([]);
    expect(debug).toEqual([
      { message: "client went away before its request was read", reason: "Error: aborted" },
    ]);
  });
});
