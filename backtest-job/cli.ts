// Entry point of the zixly CLI (`npm run -s zixly -- <command> ...`); see cli/usage.ts.
import { main } from "./cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
