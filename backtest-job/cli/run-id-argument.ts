// The one positional word of `run`, `results` and `watch`: the run's id.
import { BadInput } from "./bad-input.ts";

/**
 * The single run ID among `positionals`; none or several is a {@link BadInput} saying the
 * command's form. The API decides whether the ID exists, so its shape is not checked here.
 * @example runIdArgument("watch", ["run_abc..."]) // "run_abc..."
 */
export function runIdArgument(command: string, positionals: readonly string[]): string {
  const [id, ...extra] = positionals;
  if (id === undefined || id === "") {
    throw new BadInput(`${command}: missing run ID; usage: zixly ${command} ID`);
  }
  if (extra.length) {
    throw new BadInput(`${command}: unexpected argument "${extra[0]}"; usage: zixly ${command} ID`);
  }
  return id;
}
