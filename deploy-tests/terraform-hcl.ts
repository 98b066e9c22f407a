// The .tf files of terraform/, parsed by @cdktf/hcl2json (HashiCorp's HCL parser compiled to
// wasm), and the lookups deploy-tests/terraform.test.ts makes in them.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { expect } from "vitest";
import { repoPath } from "./render.ts";

/**
 * hcl2json's parser, loaded without its type declarations: they pull in TypeScript's DOM
 * library (`/// <reference lib="dom" />`), whose ReadableStream breaks Node's in other files.
 */
const { parse } = createRequire(import.meta.url)("@cdktf/hcl2json") as {
  parse(filename: string, contents: string): Promise<Record<string, unknown>>;
};

/** A block's body as hcl2json gives it: attributes, and nested blocks as arrays of bodies. */
// biome-ignore lint/suspicious/noExplicitAny: parsed HCL; each test narrows what it reads.
export type Body = Record<string, any>;

/** One folder of .tf files (a module or an environment), its files' top-level blocks merged. */
export interface Hcl {
  readonly terraform: Body[];
  readonly locals: Body[];
  readonly variable: Record<string, Body[]>;
  readonly output: Record<string, Body[]>;
  readonly module: Record<string, Body[]>;
  readonly provider: Record<string, Body[]>;
  readonly resource: Record<string, Record<string, Body[]>>;
  readonly data: Record<string, Record<string, Body[]>>;
  /** Ephemeral resources (Terraform 1.10+): opened at plan and apply, never kept in state. */
  readonly ephemeral: Record<string, Record<string, Body[]>>;
}

export const TERRAFORM = repoPath("terraform");

/** Every folder under terraform/ that holds .tf files (not .terraform/, where init puts modules). */
function tfFolders(dir = TERRAFORM): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const below = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .flatMap((e) => tfFolders(join(dir, e.name)));
  return entries.some((e) => e.isFile() && e.name.endsWith(".tf")) ? [dir, ...below] : below;
}

/** Merges parsed files: maps key by key, arrays (repeated blocks) concatenated. */
function merge(into: Body, from: Body): Body {
  for (const [key, value] of Object.entries(from)) {
    if (Array.isArray(value)) into[key] = [...(into[key] ?? []), ...value];
    else if (value && typeof value === "object") into[key] = merge(into[key] ?? {}, value);
    else into[key] = value;
  }
  return into;
}

async function loadFolder(dir: string): Promise<Hcl> {
  const merged: Body = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".tf"))) {
    merge(merged, await parse(file, readFileSync(join(dir, file), "utf8")));
  }
  return {
    terraform: merged.terraform ?? [],
    locals: merged.locals ?? [],
    variable: merged.variable ?? {},
    output: merged.output ?? {},
    module: merged.module ?? {},
    provider: merged.provider ?? {},
    resource: merged.resource ?? {},
    data: merged.data ?? {},
    ephemeral: merged.ephemeral ?? {},
  };
}

/** Every folder of terraform/ with .tf files, parsed, by its path relative to terraform/. */
export async function loadTerraform(): Promise<ReadonlyMap<string, Hcl>> {
  const folders = new Map<string, Hcl>();
  for (const dir of tfFolders()) folders.set(relative(TERRAFORM, dir), await loadFolder(dir));
  return folders;
}

/** The one resource (or data source, with `data`; ephemeral resource, with `ephemeral`) of a type and name. */
export function resource(
  hcl: Hcl,
  type: string,
  name: string,
  kind: "resource" | "data" | "ephemeral" = "resource",
) {
  const bodies = hcl[kind][type]?.[name];
  expect(bodies, `${kind} ${type}.${name}`).toHaveLength(1);
  return bodies[0] as Body;
}

/** Every resource of a type in a folder. */
export function resources(hcl: Hcl, type: string): Body[] {
  return Object.values(hcl.resource[type] ?? {}).flat();
}

/** The one nested block of a name in a body. */
export function block(body: Body, name: string): Body {
  expect(body[name], `block ${name}`).toHaveLength(1);
  return body[name][0] as Body;
}

/** The locals of a folder, all `locals` blocks together. */
export function locals(hcl: Hcl): Body {
  return Object.assign({}, ...hcl.locals);
}

/** The one call of a module by its name in a folder. */
export function moduleCall(hcl: Hcl, name: string): Body {
  expect(hcl.module[name], `module ${name}`).toHaveLength(1);
  return hcl.module[name][0] as Body;
}

/** Every reference of a kind in a folder's parsed HCL: `var.x`, `module.m.out`, `aws_x.y`... */
export function references(hcl: Hcl, pattern: RegExp): string[][] {
  const text = JSON.stringify(hcl);
  return [...text.matchAll(pattern)].map((m) => m.slice(1));
}
