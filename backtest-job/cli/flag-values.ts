// Converters from flag text to typed values; each failure is a BadInput naming the flag.
import { BadInput } from "./bad-input.ts";

/** A plain decimal: Number() alone would also take "", " ", "0x10" and "Infinity". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of a flag the command cannot run without. */
export function requireFlag(command: string, flag: string, value: string | undefined): string {
  if (value === undefined) throw new BadInput(`${command}: missing required flag ${flag}`);
  return value;
}

/** A finite decimal number, e.g. `--cash 10000` or `--commission 2e-3`. */
export function numberFlag(flag: string, text: string): number {
  const value = Number(text);
  if (!DECIMAL.test(text.trim()) || !Number.isFinite(value)) {
    throw new BadInput(`${flag}: "${text}" is not a number`);
  }
  return value;
}

/** A whole number from 1 up, e.g. `--top 10`. */
export function positiveIntegerFlag(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new BadInput(`${flag}: "${text}" is not a whole number of at least 1`);
  }
  return value;
}

/** JSON text, e.g. `--params '{"fast":10,"slow":20}'`. */
export function jsonFlag(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BadInput(`${flag}: invalid JSON: ${reason}`, { cause: error });
  }
}

/** A whole number from 0 up, e.g. `--offset 0`. */
export function nonNegativeIntegerFlag(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new BadInput(`${flag}: "${text}" is not a whole number of at least 0`);
  }
  return value;
}
