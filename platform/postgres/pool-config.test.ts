// The pool's TLS settings survive pg's own reading of the URL: a CA bundle is used, and verified.
import { createRequire } from "node:module";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config.ts";
import { databaseOptionsFrom } from "./database-options.ts";
import { poolConfig } from "./pool-config.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n";
const RDS_URL = "postgres://zixly:pw@db.abc.eu-west-1.rds.amazonaws.com:5432/zixly?sslmode=require";

/** pg's own merge of a pool's options and its connection string, as each client does it. */
const ConnectionParameters = createRequire(import.meta.url)(
  "pg/lib/connection-parameters.js",
) as new (
  config: pg.PoolConfig,
) => unknown;

/** What a pg client of a pool built with `config` would connect with. */
function effective(config: pg.PoolConfig) {
  return new ConnectionParameters(config) as {
    host: string;
    database: string;
    port: number;
    ssl: unknown;
  };
}

describe("poolConfig", () => {
  it("regression: sslmode=require in the URL no longer replaces the CA bundle", () => {
    // The bug of issue 11: pg merges the parsed URL over the options, so `ssl: { ca }` next to
    // `?sslmode=require` became `ssl: {}`, Node's own CA list, and RDS's certificate failed.
    const naive = effective({ connectionString: RDS_URL, ssl: { ca: CA } });
    expect(naive.ssl).toEqual({});
    const fixed = effective(poolConfig(RDS_URL, { max: 3, ca: CA }));
    expect(fixed.ssl).toEqual({ ca: CA, rejectUnauthorized: true });
    expect(fixed.host).toBe("db.abc.eu-west-1.rds.amazonaws.com");
    expect(fixed.database).toBe("zixly");
    expect(fixed.port).toBe(5432);
  });

  it("verifies even where the URL asks for less: no-verify and prefer become verify-full", () => {
    for (const mode of ["no-verify", "prefer", "verify-ca"]) {
      const url = RDS_URL.replace("require", mode);
      expect(effective(poolConfig(url, { max: 1, ca: CA })).ssl, mode).toEqual({
        ca: CA,
        rejectUnauthorized: true,
      });
    }
  });

  it("leaves the URL alone without a bundle, and sizes the pool", () => {
    const config = poolConfig(RDS_URL, { max: 3 });
    expect(config.connectionString).toBe(RDS_URL);
    expect(config.ssl).toBeUndefined();
    expect(config.max).toBe(3);
    expect(poolConfig(RDS_URL, { max: 3, schema: "t1" }).options).toBe("-c search_path=t1");
  });

  it("regression: a password function next to the URL survives pg's merge, so each connection asks it", () => {
    // pg parses a URL without a password as password "", merged over the options: the
    // function given beside it is lost, and every connection would go without a password.
    const url = "postgres://zixly@db.example.com:5432/zixly?sslmode=require";
    const password = async () => "rotated";
    expect(new pg.Client({ connectionString: url, password }).password).toBeNull();

    const config = poolConfig(url, { max: 2, password });
    const Client = config.Client as unknown as new (c: pg.PoolConfig) => pg.Client;
    const client = new Client(config);
    expect(client.password).toBe(password);
    // Everything else still comes from the URL, as pg reads it.
    expect(client.host).toBe("db.example.com");
    expect(client.user).toBe("zixly");
    expect(client.database).toBe("zixly");
    expect(effective(config).ssl).toEqual({});
    // Kept out of logs and errors: pg's property stays non-enumerable.
    expect(Object.keys(client)).not.toContain("password");
    // Without one, the pool keeps pg's own client.
    expect(poolConfig(url, { max: 2 }).Client).toBeUndefined();
  });

  it("refuses a URL that holds a password of its own next to a password function", () => {
    const password = async () => "x";
    expect(() => poolConfig(RDS_URL, { max: 1, password })).toThrow(ConfigError);
    expect(() => poolConfig(RDS_URL, { max: 1, password })).toThrow(
      /DATABASE_URL holds a password/,
    );
    const inQuery = "postgres://zixly@db.example.com/zixly?password=pw";
    expect(() => poolConfig(inQuery, { max: 1, password })).toThrow(/holds a password/);
  });

  it("refuses a URL that contradicts the bundle: sslmode=disable, client certificates", () => {
    expect(() => poolConfig(RDS_URL.replace("require", "disable"), { max: 1, ca: CA })).toThrow(
      /sslmode=disable/,
    );
    expect(() => poolConfig(`${RDS_URL}&sslcert=/c.pem&sslkey=/k.pem`, { max: 1, ca: CA })).toThrow(
      /sslcert, sslkey/,
    );
  });
});

describe("databaseOptionsFrom", () => {
  const files = (map: Record<string, string>) => (path: string) => {
    if (path in map) return map[path];
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  };

  it("reads DATABASE_CA_FILE once and passes the pool size on", () => {
    const config = loadConfig({
      DATABASE_URL: RDS_URL,
      DATABASE_CA_FILE: "/etc/rds/global-bundle.pem",
      DATABASE_POOL_MAX: "2",
    });
    const options = databaseOptionsFrom(config, files({ "/etc/rds/global-bundle.pem": CA }));
    expect(options).toEqual({ url: RDS_URL, ca: CA, poolMax: 2 });
  });

  it("stops at start on a CA file that is missing, holds no certificate, or has no URL to serve", () => {
    const config = (env: Record<string, string>) =>
      loadConfig({ DATABASE_URL: RDS_URL, DATABASE_CA_FILE: "/ca.pem", ...env });
    expect(() => databaseOptionsFrom(config({}), files({}))).toThrow(ConfigError);
    expect(() => databaseOptionsFrom(config({}), files({}))).toThrow(/DATABASE_CA_FILE.*ENOENT/);
    expect(() => databaseOptionsFrom(config({}), files({ "/ca.pem": "not a pem" }))).toThrow(
      /no PEM certificate/,
    );
    const noUrl = loadConfig({ DATABASE_CA_FILE: "/ca.pem" });
    expect(() => databaseOptionsFrom(noUrl, files({ "/ca.pem": CA }))).toThrow(
      /without DATABASE_URL/,
    );
  });

  describe("DATABASE_PASSWORD_FILE", () => {
    const URL_WITHOUT_PASSWORD = RDS_URL.replace("zixly:pw@", "zixly@");
    const config = (env: Record<string, string>) =>
      loadConfig({
        DATABASE_URL: URL_WITHOUT_PASSWORD,
        DATABASE_PASSWORD_FILE: "/etc/zixly/database-password/password",
        ...env,
      });

    it("reads the file at start and again for every new connection, through the same reader", async () => {
      const fs = { "/etc/zixly/database-password/password": "first\n" };
      const options = databaseOptionsFrom(config({}), files(fs));
      expect(options.url).toBe(URL_WITHOUT_PASSWORD);
      expect(await options.password?.()).toBe("first");
      fs["/etc/zixly/database-password/password"] = "second\n";
      expect(await options.password?.()).toBe("second");
    });

    it("stops at start on a file that is missing or empty, a URL with a password, or no URL", () => {
      expect(() => databaseOptionsFrom(config({}), files({}))).toThrow(ConfigError);
      expect(() => databaseOptionsFrom(config({}), files({}))).toThrow(
        "DATABASE_PASSWORD_FILE: cannot read /etc/zixly/database-password/password (ENOENT)",
      );
      const empty = files({ "/etc/zixly/database-password/password": "\n" });
      expect(() => databaseOptionsFrom(config({}), empty)).toThrow(/password is empty$/);
      const fine = files({ "/etc/zixly/database-password/password": "pw\n" });
      expect(() => databaseOptionsFrom(config({ DATABASE_URL: RDS_URL }), fine)).toThrow(
        /DATABASE_URL holds a password/,
      );
      const noUrl = loadConfig({ DATABASE_PASSWORD_FILE: "/etc/zixly/database-password/password" });
      expect(() => databaseOptionsFrom(noUrl, fine)).toThrow(
        "DATABASE_PASSWORD_FILE is set without DATABASE_URL",
      );
    });
  });

  it("defaults to a pool of 5 and PGlite under DATA_HOME without a URL", () => {
    expect(databaseOptionsFrom(loadConfig({ DATABASE_URL: RDS_URL }))).toEqual({
      url: RDS_URL,
      ca: undefined,
      poolMax: 5,
    });
    expect(databaseOptionsFrom(loadConfig({ DATA_HOME: "/d" }))).toEqual({
      pgliteDir: "/d/pglite",
    });
  });
});
