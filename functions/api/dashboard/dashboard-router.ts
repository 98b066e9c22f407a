// Serves the dashboard's static files: the page at `/`, its scripts, styles and uPlot.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";

/** A file served as it is, read once. */
interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

// In the source tree this file sits at functions/api/dashboard/; in the build, at
// dist/functions/api/dashboard/, where tsc copies no assets: the image keeps the sources.
function assetsDir(): string {
  const source = fileURLToPath(new URL("./assets/", import.meta.url));
  const built = fileURLToPath(
    new URL("../../../../functions/api/dashboard/assets/", import.meta.url),
  );
  return existsSync(source) || !existsSync(built) ? source : built;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/**
 * Every file, read at start so that a missing one stops the process there. uPlot's minified
 * build defines a global `var uPlot`; one appended line makes it an ES module, so the page
 * needs neither a bundler nor globals.
 */
function loadAssets(): Map<string, Asset> {
  const dir = assetsDir();
  const require = createRequire(import.meta.url);
  const read = (path: string) => readFileSync(path);
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir).sort()) {
    const type = TYPES[name.split(".").pop() ?? ""];
    if (type) assets.set(name, { type, body: read(`${dir}${name}`) });
  }
  if (!assets.has("index.html")) throw new Error(`the dashboard's index.html is not in ${dir}`);
  const uplot = read(require.resolve("uplot/dist/uPlot.iife.min.js"));
  assets.set("uplot.js", {
    type: TYPES.js,
    body: Buffer.concat([uplot, Buffer.from("\nexport default uPlot;\n")]),
  });
  assets.set("uplot.css", {
    type: TYPES.css,
    body: read(require.resolve("uplot/dist/uPlot.min.css")),
  });
  return assets;
}

const ASSETS = loadAssets();

/**
 * Only this origin's files and API; uPlot styles its elements through the CSSOM, which
 * `style-src 'self'` allows.
 */
const HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Revalidated each time (the ETag makes that cheap): a new version shows at once.
  "cache-control": "no-cache",
};

/**
 * The page at `/` and its files at `/dashboard/<name>`, without auth: they hold no data, and
 * the page asks for the API token itself.
 */
export function dashboardRouter(): Router {
  const router = express.Router();
  const send = (name: string) => (_req: express.Request, res: express.Response) => {
    const asset = ASSETS.get(name)!;
    res.set(HEADERS).type(asset.type).send(asset.body);
  };
  router.get("/", send("index.html"));
  for (const name of ASSETS.keys()) {
    if (name !== "index.html") router.get(`/dashboard/${name}`, send(name));
  }
  return router;
}
