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
      severity: "error",
      from: { pathNot: "^(functions|stack)/" },
      to: { path: "^functions/" },
    },
    {
      name: "functions-do-not-import-each-other",
      severity: "error",
      from: { path: "^functions/([^/]+)/" },
      to: { path: "^functions/", pathNot: "^functions/$1/|^functions/shared/" },
    },
    {
      name: "nothing-imports-stack",
      severity: "error",
      from: { pathNot: "^stack/" },
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
