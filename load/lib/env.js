// Reading k6's __ENV: required settings fail the run at start, with what to set and why.

/**
 * The value of a required variable. Throwing in the init context stops k6 before the
 * first request, which is the point: a load test against a wrong URL measures nothing.
 * @param {string} name
 * @param {string} hint what the variable is and where to get it
 * @returns {string}
 */
export function requireEnv(name, hint) {
  const value = __ENV[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: ${hint} (pass it with -e ${name}=...)`);
  }
  return value;
}

/**
 * A positive number from the environment, or `fallback` when unset.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function numberEnv(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number; got "${raw}"`);
  }
  return value;
}

/**
 * An optional string, or undefined when unset or empty.
 * @param {string} name
 * @returns {string | undefined}
 */
export function optionalEnv(name) {
  const value = __ENV[name];
  return value === undefined || value === "" ? undefined : value;
}
