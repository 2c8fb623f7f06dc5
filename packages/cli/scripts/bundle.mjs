// Bundles each long-running process's entry (dist/entries/<name>.js, compiled by `tsc -b`) with everything
// it imports into one file, dist/bundle/<name>.js, which bin/wanpilot.js runs for a part's or start's argv.
// One module instead of ~400 (workspace packages, zod, mqtt, pino, prom-client...): a part starts in less
// time and holds less heap (docs/bench.md, cost). Run by the root build after `tsc -b`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(cli, "..", "..");
const outDir = join(cli, "dist", "bundle");
const NAMES = ["prober", "router", "logger", "observer", "web", "start", "broker"];

// Modules a part loads but never uses on its paths, kept out of the bundle and required from node_modules on
// first use, like any module: mqtt's SOCKS proxy (MQTTJS_SOCKS_PROXY), a prom-client exemplar's tracing,
// pino's transports (a worker thread), prom-client's Pushgateway (with it Node's HTTP, TLS and zlib).
const LAZY = [
  { path: "socks", require: "socks" },
  { path: "@opentelemetry/api", require: "@opentelemetry/api" },
  { path: "thread-stream", require: "thread-stream" },
  {
    path: "./lib/pushgateway",
    importer: /\/prom-client\/index\.js$/,
    require: "prom-client/lib/pushgateway.js",
  },
  // mqtt builds its table of transports at import: ws:// (with it ws, and ws's HTTP, HTTPS, TLS and zlib),
  // mqtts:// (TLS), and a SOCKS proxy for both (with it dns). A part on mqtt:// loads none of them.
  { path: "ws", importer: /\/mqtt\/build\/lib\/connect\/ws\.js$/, require: "ws", esModule: false },
  { path: "tls", importer: /\/mqtt\/build\/lib\/connect\/tls\.js$/, require: "node:tls" },
  {
    path: "./socks",
    importer: /\/mqtt\/build\/lib\/connect\/(tcp|tls)\.js$/,
    require: "mqtt/lib/connect/socks",
    esModule: true,
  },
];
// Stands for the module until a property is read, or it is called or constructed (a class). A module whose
// \`esModule\` is known answers TypeScript's __importDefault (its \`__esModule\` check) without loading.
const lazyModule = (specifier, esModule) => `let m;
const load = () => (m ??= require(${JSON.stringify(specifier)}));
module.exports = new Proxy(function () {}, {
  get: (_, k) => (${esModule === undefined ? "" : `k === "__esModule" ? ${esModule} : `}load()[k]),
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  construct: (_, args) => Reflect.construct(load(), args),
});`;
// mqtt's timers for browsers' web workers: under Node mqtt uses the global timers (get-timer.js).
const NODE_TIMERS = "module.exports = { setTimeout, clearTimeout, setInterval, clearInterval };";

/** Each bundled module keeps its own import.meta.url (web's page files, the CLI's package.json, yaml). */
function ownImportMeta(bundleFile) {
  return {
    name: "own-import-meta",
    setup(b) {
      b.onLoad({ filter: /\/packages\/[^/]+\/dist\/.*\.js$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.url")) return undefined;
        const rel = relative(dirname(bundleFile), args.path);
        return {
          contents: text.replaceAll(
            "import.meta.url",
            `new URL(${JSON.stringify(rel)}, import.meta.url).href`,
          ),
          loader: "js",
        };
      });
    },
  };
}

// The YAML parser: loaded only for a YAML config (start, a part run by a unit; not the parts start runs, which
// read its JSON snapshot), synchronously (createRequire in common's config/parse.js): its own CommonJS bundle.
const YAML_BUNDLE = "./yaml.cjs";
const yamlOnDemand = {
  name: "yaml-on-demand",
  setup(b) {
    b.onLoad({ filter: /\/packages\/common\/dist\/config\/parse\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const loader = 'createRequire(import.meta.url)("yaml")';
      if (!text.includes(loader)) throw new Error(`${args.path}: no ${loader} to point at ${YAML_BUNDLE}`);
      return { contents: text.replace(loader, `require(${JSON.stringify(YAML_BUNDLE)})`), loader: "js" };
    });
  },
};

const leanDependencies = {
  name: "lean-dependencies",
  setup(b) {
    for (const lazy of LAZY) {
      const filter = new RegExp(`^${lazy.path.replace(/[./]/g, "\\$&")}$`);
      b.onResolve({ filter }, (args) => {
        if (args.namespace === "lazy") return { path: args.path, external: true };
        if (lazy.importer !== undefined && !lazy.importer.test(args.importer)) return undefined;
        return { path: lazy.require, namespace: "lazy", pluginData: lazy.esModule };
      });
    }
    b.onResolve({ filter: /.*/, namespace: "lazy" }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "lazy" }, (args) => ({
      contents: lazyModule(args.path, args.pluginData),
      loader: "js",
    }));
    // mqtt's and bl's streams (readable-stream: Node's streams republished for browsers): Node's own, loaded anyway.
    b.onResolve({ filter: /^readable-stream$/ }, () => ({
      path: "readable-stream",
      namespace: "node-stream",
    }));
    b.onLoad({ filter: /.*/, namespace: "node-stream" }, () => ({
      contents: 'module.exports = require("node:stream");',
      loader: "js",
    }));
    b.onResolve({ filter: /^worker-timers$/ }, () => ({ path: "worker-timers", namespace: "node-timers" }));
    b.onLoad({ filter: /.*/, namespace: "node-timers" }, () => ({ contents: NODE_TIMERS, loader: "js" }));
  },
};

mkdirSync(outDir, { recursive: true });
const inputs = {};
for (const name of NAMES) {
  const outfile = join(outDir, `${name}.js`);
  const result = await build({
    entryPoints: [join(cli, "dist", "entries", `${name}.js`)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: ["node20"],
    // Whitespace and syntax only: names stay, so logged errors keep their types and stack frames their functions.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    // better-sqlite3 is a native module; ws is required only for a ws:// bus URL.
    external: ["better-sqlite3", "ws", YAML_BUNDLE],
    // The CommonJS libraries' require() of Node's modules.
    banner: {
      js: 'import { createRequire as __wpRequire } from "node:module"; const require = __wpRequire(import.meta.url);',
    },
    plugins: [yamlOnDemand, ownImportMeta(outfile), leanDependencies],
    metafile: true,
    absWorkingDir: root,
    logLevel: "warning",
  });
  // What bin/wanpilot.js compares the bundle's time with in a checkout (a `tsc -b` since makes it stale).
  const used = Object.entries(result.metafile.outputs[relative(root, outfile)]?.inputs ?? {});
  inputs[name] = used
    .filter(([p, i]) => i.bytesInOutput > 0 && !p.includes(":"))
    .map(([p]) => relative(outDir, join(root, p)));
}
const yaml = await build({
  stdin: { contents: 'module.exports = require("yaml");', resolveDir: cli, loader: "js" },
  outfile: join(outDir, "yaml.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: ["node20"],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  metafile: true,
  absWorkingDir: root,
  logLevel: "warning",
});
// Every bundle may load it: part of each one's inputs.
const yamlInputs = Object.keys(yaml.metafile.inputs)
  .filter((p) => !p.includes(":") && !p.startsWith("<"))
  .map((p) => relative(outDir, join(root, p)));
for (const name of NAMES) inputs[name].push(...yamlInputs);
writeFileSync(join(outDir, "inputs.json"), `${JSON.stringify(inputs)}\n`);
