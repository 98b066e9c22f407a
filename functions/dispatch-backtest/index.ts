// Runs dispatch-backtest alone (functions-framework --target=dispatch-backtest): dependencies from the environment.
import { loadConfig } from "../../platform/config.ts";
import { once, standaloneContext } from "../../platform/function-context.ts";
import { dispatchDeps } from "./deps.ts";
import { registerDispatch } from "./register.ts";

// Bad configuration stops the process here, at start, not at the first request.
const config = loadConfig();
const context = once(() => standaloneContext(config, "dispatch-backtest"));
registerDispatch(async () => dispatchDeps(await context()));
