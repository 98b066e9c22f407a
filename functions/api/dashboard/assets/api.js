// The dashboard's side of the api: JSON with the bearer token, and the runs' event stream.

const TOKEN_KEY = "zixly.apiToken";

/** The api answered 401: the page must ask for a token. */
export class NeedsToken extends Error {}

/** The token of this tab, if it has one. */
export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value) => sessionStorage.setItem(TOKEN_KEY, value);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** GET `path` (relative to the page) as JSON, with the token when there is one. */
export async function api(path) {
  const t = token();
  const response = await fetch(new URL(path, document.baseURI), {
    headers: t ? { authorization: `Bearer ${t}` } : {},
  });
  if (response.status === 401) {
    throw new NeedsToken(t ? "That token was refused." : "This API needs a token.");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message ?? `${response.status} ${path}`);
  return body;
}

function setConnection(state) {
  const el = document.getElementById("connection");
  el.textContent = { live: "● live", reconnecting: "reconnecting…", offline: "offline" }[state];
  el.dataset.state = state;
}

/**
 * Calls `onEvent` with each `{runId, status, progress}` the stream sends, until the function
 * it returns is called. EventSource cannot send headers, so the token goes in the query
 * (GET /runs/events alone accepts that).
 */
export function liveRuns(onEvent) {
  const url = new URL("runs/events", document.baseURI);
  const t = token();
  if (t) url.searchParams.set("token", t);
  const source = new EventSource(url);
  source.onopen = () => setConnection("live");
  source.onerror = () =>
    setConnection(source.readyState === EventSource.CLOSED ? "offline" : "reconnecting");
  source.onmessage = (message) => onEvent(JSON.parse(message.data));
  return () => {
    source.close();
    document.getElementById("connection").textContent = "";
  };
}
