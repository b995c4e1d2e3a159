// Bundle the CLI into one file, dist/cli.mjs: it starts fast and runs anywhere with only Node.
import { chmod } from "node:fs/promises";
import { build } from "esbuild";

const started = Date.now();
await build({
  entryPoints: ["src/bin.ts"],
  outfile: "dist/cli.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  // ssh2's optional native helpers: it falls back to pure JS when they are absent.
  external: ["cpu-features", "*.node"],
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __vlaCreateRequire } from "node:module";',
      "const require = __vlaCreateRequire(import.meta.url);",
      'import { fileURLToPath as __vlaFileURLToPath } from "node:url";',
      'import { dirname as __vlaDirname } from "node:path";',
      "const __filename = __vlaFileURLToPath(import.meta.url);",
      "const __dirname = __vlaDirname(__filename);",
    ].join("\n"),
  },
  logLevel: "warning",
});
await chmod("dist/cli.mjs", 0o755);
console.log(`dist/cli.mjs built in ${Date.now() - started} ms`);
