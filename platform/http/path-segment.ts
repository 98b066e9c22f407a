// A path segment decoded, or a 400 that says which one is not valid percent-encoding.
import { InvalidRequest } from "./http-errors.ts";

/** How much of a bad segment the 400 quotes. */
const QUOTED = 64;

/**
 * `decodeURIComponent(segment)`, but a malformed escape (`%zz`, a lone `%E0`) is the client's
 * mistake, answered 400 naming the segment, not a URIError that becomes a 500.
 *
 * @example decodePathSegment("my%20source") // "my source"
 */
export function decodePathSegment(segment: string, name = "path segment"): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    const quoted = segment.length > QUOTED ? `${segment.slice(0, QUOTED)}...` : segment;
    const message = `${name} "${quoted}" is not valid percent-encoding`;
    throw new InvalidRequest(message, [{ path: "path", message }]);
  }
}
