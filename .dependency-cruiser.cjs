// Import rules for src/, checked by `npm run lint` and CI. Type-only imports vanish at compile time, so only runtime
// imports count (tsPreCompilationDeps: false).

/**
 * The layers of src/, lowest first (docs/architecture.md). A module may import its own layer and those below,
 * never one above. Each entry: its name, the folders of the layer, and what lies above it.
 */
const LAYERS = [
  [
    "foundation",
    "(errors|clock|config|env|storage)\\.ts$|lib/",
    "keys|durable|clients|users|session|tokens|logout|authorization|account|grants|views|http|routes|demo|index",
  ],
  [
    "views",
    "views/",
    "keys|durable|clients|users|session|tokens|logout|authorization|account|grants|http|routes|demo|index",
  ],
  ["keys", "keys/", "durable|clients|users|session|tokens|logout|authorization|account|grants|http|routes|demo|index"],
  ["durable", "durable/", "clients|users|session|tokens|logout|authorization|account|grants|http|routes|demo|index"],
  [
    "clients-users-session",
    "(clients|users|session)/",
    "tokens|logout|authorization|account|grants|http|routes|demo|index",
  ],
  ["tokens", "tokens/", "logout|authorization|account|grants|http|routes|demo|index"],
  ["logout", "logout/", "authorization|account|grants|http|routes|demo|index"],
  ["authorization", "authorization/", "account|grants|http|routes|demo|index"],
  ["account", "account/", "grants|http|routes|demo|index"],
  ["grants", "grants/", "http|routes|demo|index"],
  ["http", "http/", "routes|demo|index"],
  ["routes-demo", "(routes|demo)/", "index"],
];

const layerRules = LAYERS.map(([name, layer, above]) => ({
  name: `layer-${name}`,
  comment: "A lower layer never imports a higher one (docs/architecture.md).",
  severity: "error",
  from: { path: `^src/(${layer})` },
  to: { path: `^src/(${above})` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no-folder-cycles",
      comment: "Folders of src/ form a directed graph: a folder never depends, even indirectly, on one that uses it.",
      severity: "error",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-module-cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "errors-is-the-bottom",
      comment: "src/errors.ts is imported everywhere, so it imports nothing of ours.",
      severity: "error",
      from: { path: "^src/errors\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "resource-stands-alone",
      comment:
        "src/resource is the package export edge-oidc/resource, used by APIs: it imports nothing of the provider.",
      severity: "error",
      from: { path: "^src/resource/" },
      to: { path: "^src/", pathNot: "^src/resource/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true, pathNot: "^cloudflare:" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "node_modules" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types"],
    },
  },
};
