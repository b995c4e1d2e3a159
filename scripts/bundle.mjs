// Bundle the CLI into one file each way it is run:
//   dist/cli.mjs  ES module, the npm package's bin: starts fast and runs anywhere with only Node.
//   dist/cli.cjs  CommonJS, the entry of the standalone executables (scripts/build-exe.mjs): Node's
//                 single-executable applications run a CommonJS script (no import.meta).
// Both target Node 18 (engines: >=18.19, the nodejs of Ubuntu 24.04). Each file is written to a
// temporary name and renamed, so a CLI started while this runs never reads half a file.
// Usage: node scripts/bundle.mjs [--esm-only]
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { build } from "esbuild";

const started = Date.now();
const esmOnly = process.argv.includes("--esm-only");

const common = {
  entryPoints: ["tasks/main.ts"],
  bundle: true,
  write: false,
  platform: "node",
  target: "node18.19",
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  // ssh2's optional native helpers: it falls back to pure JS when they are absent.
  external: ["cpu-features", "*.node"],
  logLevel: "warning",
};

const esm = {
  ...common,
  outfile: "dist/cli.mjs",
  format: "esm",
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
};

const cjs = {
  ...common,
  outfile: "dist/cli.cjs",
  format: "cjs",
  // Nothing in the executable may read import.meta: make its use a build error, not an empty object.
  logOverride: { "empty-import-meta": "error" },
};

async function emit(options, mode) {
  const result = await build(options);
  const [file] = result.outputFiles;
  const temporary = `${options.outfile}.${process.pid}.tmp`;
  await mkdir("dist", { recursive: true });
  await writeFile(temporary, file.contents, { mode });
  await chmod(temporary, mode);
  await rename(temporary, options.outfile);
  return options.outfile;
}

const written = await Promise.all([emit(esm, 0o755), ...(esmOnly ? [] : [emit(cjs, 0o644)])]);
console.log(`${written.join(", ")} built in ${Date.now() - started} ms`);
