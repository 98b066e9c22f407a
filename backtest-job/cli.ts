#!/usr/bin/env node
// Entry point of the zixly CLI (`npm run -s zixly -- <command> ...` from source, or the
// compiled `zixly` bin after `npm run build`); see cli/usage.ts.
import { main } from "./cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
