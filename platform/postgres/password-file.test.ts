// DATABASE_PASSWORD_FILE's reader: one trailing newline off, a fresh read per call, and a failed read that fails one call only.
import { describe, expect, it } from "vitest";
import { createLogger } from "../log.ts";
import { passwordFromFile, passwordOf, readPasswordFile } from "./password-file.ts";

/** A file system of one mutable map: a missing path throws ENOENT, as readFileSync does. */
function files(map: Map<string, string>) {
  return (path: string) => {
    const text = map.get(path);
    if (text === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
    }
    return text;
  };
}

describe("passwordOf", () => {
  it("takes off one trailing newline, as kubectl --from-file and ESO templates leave it, and nothing else", () => {
    expect(passwordOf("s3cret\n")).toBe("s3cret");
    expect(passwordOf("s3cret\r\n")).toBe("s3cret");
    expect(passwordOf("s3cret")).toBe("s3cret");
    // A second newline, or spaces, are the password's own: RDS-generated passwords may hold any.
    expect(passwordOf("s3cret\n\n")).toBe("s3cret\n");
    expect(passwordOf(" s3cret \n")).toBe(" s3cret ");
  });
});

describe("readPasswordFile", () => {
  it("names the file and the error code, never the content", () => {
    const fs = new Map([
      ["/p", "pw\n"],
      ["/empty", "\n"],
    ]);
    expect(readPasswordFile("/p", files(fs))).toEqual({ password: "pw" });
    expect(readPasswordFile("/empty", files(fs))).toEqual({
      problem: "DATABASE_PASSWORD_FILE: /empty is empty",
    });
    expect(readPasswordFile("/gone", files(fs))).toEqual({
      problem: "DATABASE_PASSWORD_FILE: cannot read /gone (ENOENT)",
    });
  });
});

describe("passwordFromFile", () => {
  it("reads the file at every call, so a rotated password reaches the next connection", async () => {
    const fs = new Map([["/run/pw", "first\n"]]);
    const password = passwordFromFile("/run/pw", files(fs));
    expect(await password()).toBe("first");
    fs.set("/run/pw", "second\n");
    expect(await password()).toBe("second");
  });

  it("rejects one call while the file is missing or empty, logs why without the password, and recovers", async () => {
    const lines: string[] = [];
    const log = createLogger("postgres", {}, { level: "debug", write: (l) => lines.push(l) });
    const fs = new Map([["/run/pw", "old-password\n"]]);
    const password = passwordFromFile("/run/pw", files(fs), log);
    expect(await password()).toBe("old-password");

    // The kubelet swaps the Secret's files: for a moment there is no file, then an empty one.
    fs.delete("/run/pw");
    await expect(password()).rejects.toThrow(
      "DATABASE_PASSWORD_FILE: cannot read /run/pw (ENOENT)",
    );
    fs.set("/run/pw", "");
    await expect(password()).rejects.toThrow("DATABASE_PASSWORD_FILE: /run/pw is empty");
    fs.set("/run/pw", "new-password\n");
    expect(await password()).toBe("new-password");

    expect(lines).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(["warn", "warn"]);
    expect(lines.join("")).toContain("/run/pw");
    expect(lines.join("")).not.toMatch(/old-password|new-password/);
  });
});
