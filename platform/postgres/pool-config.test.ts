// The pool's TLS settings survive pg's own reading of the URL: a CA bundle is used, and verified.
import { createRequire } from "node:module";
import type pg from "pg";
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
