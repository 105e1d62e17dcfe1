// typescript-eslint, strict and type-aware, over everything we ship or run. Formatting is Prettier's job.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".wrangler/", "bench/results/", "**/*.cjs", "examples/**/.wrangler/"] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Template literals of numbers and the like are deliberate and readable.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true, allow: [{ from: "lib", name: ["URL", "URLSearchParams"] }] },
      ],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // Durable Object RPC methods are async by contract (callers always get a promise), awaited or not.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    // openid-client marks its options for plain-http issuers (allowInsecureRequests, skipSubjectCheck) deprecated
    // "only to make them stand out" (oauth4webapi likewise): the end-to-end and interop tests talk to a loopback
    // provider on purpose.
    files: ["test/e2e/**", "test/interop/**"],
    rules: { "@typescript-eslint/no-deprecated": "off" },
  },
  {
    // Plain JavaScript (the bench and start scripts, this file) is in no tsconfig: lint it without types.
    files: ["**/*.{js,mjs}"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // The example single-page app runs in the browser, on oidc-client-ts's browser build (global `oidc`).
    files: ["examples/spa/**/*.js"],
    languageOptions: { globals: { ...globals.browser, oidc: "readonly", SPA_CONFIG: "readonly" } },
  },
);
