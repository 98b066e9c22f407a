// Starts the TypeScript sweep worker from source: worker threads on Node 20 do not inherit
// the tsx loader of the main thread, so this plain-JS entry loads the worker through tsx.
import { tsImport } from "tsx/esm/api";

await tsImport("./sweep-worker.ts", import.meta.url);
