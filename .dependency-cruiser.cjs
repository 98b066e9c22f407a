// Layering rules from docs/decisions/0002-layering.md: dependencies point inward.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "engine-is-pure",
      comment:
        "backtest-job/engine imports nothing of ours outside itself, and no node: I/O modules",
      severity: "error",
      from: { path: "^backtest-job/engine/", pathNot: "\\.test\\.ts$|/test-support/" },
      to: {
        pathNot: ["^backtest-job/engine/", "^node_modules/zod/"],
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "events-is-ground-floor",
      severity: "error",
      from: { path: "^events/" },
      to: { path: "^(backtest-job|functions|platform|stack)/" },
    },
    {
      name: "platform-imports-no-function",
      severity: "error",
      from: { path: "^platform/" },
      to: { path: "^(functions|stack)/" },
    },
    {
      name: "nothing-imports-a-function",
      comment: "only the stack wires functions together; benchmarks may drive them",
      severity: "error",
      from: { pathNot: "^(functions|stack|bench)/" },
      to: { path: "^functions/" },
    },
    {
      name: "functions-use-only-the-engine-of-backtest-job",
      comment:
        "the engine is a pure library; the CLI, the Job and the worker pool are not for functions",
      severity: "error",
      from: { path: "^functions/" },
      to: { path: "^backtest-job/", pathNot: "^backtest-job/engine/" },
    },
    {
      name: "functions-do-not-import-each-other",
      severity: "error",
      from: { path: "^functions/([^/]+)/" },
      to: { path: "^functions/", pathNot: "^functions/$1/|^functions/test-support/" },
    },
    {
      name: "nothing-imports-stack",
      severity: "error",
      from: { pathNot: "^(stack|bench)/" },
      to: { path: "^stack/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules|dist" },
    includeOnly: "^(backtest-job|events|functions|platform|stack|bench)/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
