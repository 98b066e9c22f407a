// What the test-suite rules read: the repository's files, each vitest project's share, temp-folder use.
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  configDefaults,
  type TestProjectInlineConfiguration,
  type ViteUserConfig,
} from "vitest/config";

/** The slice of picomatch these rules need: a compiled matcher for a list of patterns. */
type Picomatch = (
  patterns: readonly string[],
  options: { dot: boolean },
) => (path: string) => boolean;

// Resolved from vitest's own folder: the very matcher vitest applies to include and exclude.
const fromVitest = createRequire(createRequire(import.meta.url).resolve("vitest"));
const picomatch = fromVitest("picomatch") as Picomatch;

/** An inline project of a vitest config: its name and its own `test` options. */
export interface InlineProject {
  readonly name: string;
  readonly test: NonNullable<TestProjectInlineConfiguration["test"]>;
}

/** A vitest project's name and the patterns that choose its test files. */
export interface ProjectPatterns {
  readonly name: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** The projects of a vitest config, every one of which must be inline (an object). */
export function inlineProjects(config: ViteUserConfig): InlineProject[] {
  return (config.test?.projects ?? []).map((project) => {
    // A glob, a config file or a function would need vitest itself to resolve: refused.
    if (typeof project !== "object" || project instanceof Promise) {
      throw new Error("these rules read inline projects only");
    }
    const name = project.test?.name;
    if (typeof name !== "string") throw new Error("every inline project needs a string name");
    // With `extends`, vite would merge the root's include and exclude arrays into the
    // project's; these rules read the project alone, so they refuse that shape.
    if (project.extends) throw new Error(`project ${name} extends the root config`);
    return { name, test: project.test ?? {} };
  });
}

/** A project's include and exclude, with vitest's defaults where it leaves one out. */
export function patternsOf({ name, test }: InlineProject): ProjectPatterns {
  return {
    name,
    include: test.include ?? configDefaults.include,
    exclude: test.exclude ?? configDefaults.exclude,
  };
}

/** Whether `file` (relative to the root, with `/`) matches any of `patterns`, as vitest matches. */
export function matches(file: string, patterns: readonly string[]): boolean {
  let matcher = compiled.get(patterns);
  if (!matcher) {
    // dot: true, as vitest globs its test files.
    matcher = picomatch(patterns, { dot: true });
    compiled.set(patterns, matcher);
  }
  return matcher(file);
}
const compiled = new WeakMap<readonly string[], (path: string) => boolean>();

/** The files of `files` that `project` runs: included and not excluded. */
export function filesOf(project: ProjectPatterns, files: readonly string[]): string[] {
  return files.filter((f) => matches(f, project.include) && !matches(f, project.exclude));
}

/**
 * Every file under `root`, relative and with `/`. node_modules and .git are not entered:
 * vitest's default exclude leaves them out too, and reading node_modules would take seconds.
 */
export function repositoryFiles(root: string, dir = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isFile()) files.push(path);
    else if (entry.isDirectory() && entry.name !== "node_modules" && entry.name !== ".git") {
      files.push(...repositoryFiles(root, path));
    }
  }
  return files;
}

// A call with an argument: the pattern's own source, `mkdtemp(?:`, does not count as one.
const MAKES_TEMP_DIR = /\bmkdtemp(?:Sync)?\s*\(\s*[^\s?)]/;
const REMOVES_A_DIR = /\b(?:rm|rmSync|rmdir|rmdirSync)\s*\(\s*[^\s?)]/;

/**
 * Whether `source` makes a temporary folder (mkdtemp, mkdtempSync) and never removes one (rm,
 * rmSync). Files that use tempDir() from test-support/temp-dir.ts make none themselves.
 */
export function leavesTempDir(source: string): boolean {
  return MAKES_TEMP_DIR.test(source) && !REMOVES_A_DIR.test(source);
}
