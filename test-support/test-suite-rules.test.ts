// Rules that keep the suite sound under load: temp folders removed, hook timeouts kept, e2e out of unit.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configDefaults, defaultInclude } from "vitest/config";
import config from "../vitest.config.ts";
import {
  filesOf,
  inlineProjects,
  leavesTempDir,
  matches,
  type ProjectPatterns,
  patternsOf,
  repositoryFiles,
} from "./test-files.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SETUP_FILE = "test-support/vitest-setup.ts";
/** Vitest's hookTimeout when a config sets none (its docs: 10 s outside browser mode). */
const VITEST_DEFAULT_HOOK_TIMEOUT = 10_000;

const projects = inlineProjects(config);
const byName = (name: string) => {
  const project = projects.find((p) => p.name === name);
  if (!project) throw new Error(`vitest.config.ts has no project named ${name}`);
  return project;
};
const files = repositoryFiles(ROOT);
const patterns = projects.map(patternsOf);
/** Test code: every file a project runs, and every module in a test-support folder. */
const testCode = [
  ...new Set([
    ...patterns.flatMap((p) => filesOf(p, files)),
    ...files.filter((f) => /(^|\/)test-support\/.*\.ts$/.test(f)),
  ]),
].sort();

describe("temporary folders", () => {
  it("are removed by the file that makes them (rm, rmSync, or tempDir() instead of mkdtemp)", () => {
    expect(
      testCode.filter((f) => leavesTempDir(readFileSync(`${ROOT}/${f}`, "utf8"))),
      "these files make a temp folder with mkdtemp/mkdtempSync and never remove it",
    ).toEqual([]);
  });

  it("are told apart: made and never removed, made and removed, made by the helper", () => {
    const made = 'const dir = mkdtempSync(join(tmpdir(), "x-"));';
    expect(leavesTempDir(made)).toBe(true);
    expect(leavesTempDir(`dir = await mkdtemp(join(tmpdir(), "x-"));`)).toBe(true);
    expect(leavesTempDir(`${made}\nafterAll(() => rmSync(dir, { recursive: true }));`)).toBe(false);
    expect(leavesTempDir(`${made}\nafterAll(() => rm(dir, { recursive: true }));`)).toBe(false);
    expect(leavesTempDir('const dir = tempDir("x-");')).toBe(false);
  });
});

describe("vitest.config.ts", () => {
  it("has the unit, e2e, fault and containers projects", () => {
    expect(projects.map((p) => p.name).sort()).toEqual(["containers", "e2e", "fault", "unit"]);
  });

  it.each(["unit", "e2e", "fault", "containers"])(
    "gives the %s project a hookTimeout above vitest's 10 s default",
    (name) => {
      expect(byName(name).test.hookTimeout).toBeGreaterThan(VITEST_DEFAULT_HOOK_TIMEOUT);
    },
  );

  it("waits longer than vitest's default for teardown", () => {
    expect(config.test?.teardownTimeout).toBeGreaterThan(configDefaults.teardownTimeout);
  });

  it.each(["unit", "e2e", "fault", "containers"])(
    "loads the temp-folder cleanup in the %s project, with after-hooks in reverse order",
    (name) => {
      const { test } = byName(name);
      expect([test.setupFiles].flat()).toContain(SETUP_FILE);
      // tempDir's cleanup runs last only because after-hooks run in reverse ("stack").
      expect(test.sequence?.hooks ?? "stack").toBe("stack");
      expect(config.test?.sequence?.hooks ?? "stack").toBe("stack");
    },
  );

  it("keeps every file that matches the e2e patterns out of the unit project", () => {
    const e2e = patternsOf(byName("e2e"));
    expect(
      filesOf(patternsOf(byName("unit")), files).filter((f) => matches(f, e2e.include)),
      "the unit project picks up these end-to-end files",
    ).toEqual([]);
  });

  it("runs each test file in exactly one project", () => {
    // A test file by vitest's default pattern, unless every project excludes it (dist/, say).
    const tests = files.filter(
      (f) => matches(f, defaultInclude) && !patterns.every((p) => matches(f, p.exclude)),
    );
    const owners = (f: string) => patterns.filter((p) => filesOf(p, [f]).length > 0);
    expect(
      tests.filter((f) => owners(f).length !== 1).map((f) => `${f}: ${names(owners(f))}`),
    ).toEqual([]);
  });

  it("would catch an e2e file the unit patterns let in", () => {
    const loose: ProjectPatterns = { name: "unit", include: ["**/*.test.ts"], exclude: [] };
    const e2e = patternsOf(byName("e2e"));
    const sample = ["stack/x.e2e.test.ts", "a/b.process.test.ts", "a/b.test.ts"];
    expect(filesOf(loose, sample).filter((f) => matches(f, e2e.include))).toEqual([
      "stack/x.e2e.test.ts",
      "a/b.process.test.ts",
    ]);
  });
});

describe("package.json", () => {
  const scripts = (
    JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;

  it("runs the unit and e2e projects in npm test, fault and containers only in their own scripts", () => {
    expect(scripts.test).toMatch(/vitest run .*--project unit/);
    expect(scripts.test).toMatch(/vitest run .*--project e2e/);
    expect(scripts.test).not.toMatch(/fault|containers/);
    expect(scripts["test:fault"]).toBe("vitest run --project fault");
    expect(scripts["test:containers"]).toBe("vitest run --project containers");
  });
});

function names(owners: readonly ProjectPatterns[]): string {
  return owners.length ? owners.map((p) => p.name).join(", ") : "no project";
}
