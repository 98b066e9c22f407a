// A free TCP port on 127.0.0.1, for a server a test starts as a process of its own.
import { createServer } from "node:net";

/**
 * Asks the kernel for a free port and releases it. Another process could take it before
 * the caller binds it; on a test machine that race is rare enough to accept.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port was assigned"))));
    });
  });
}
