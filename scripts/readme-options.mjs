#!/usr/bin/env node
// Writes the README's option table from the option schema (src/option-schema.ts); a unit test
// (test/unit/option-schema.test.ts) fails while they differ. Usage: npm run docs:options
import { readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const bundled = await build({
  entryPoints: ["src/option-schema.ts"],
  bundle: true,
  format: "esm",
  platform: "node",
  write: false,
});
const schema = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`
);
const readme = readFileSync("README.md", "utf8");
const table = /^\| option \| meaning \|\n(?:\|.*\|\n)+/m;
if (!table.test(readme)) throw new Error("README.md has no option table to replace");
writeFileSync("README.md", readme.replace(table, `${schema.optionsTable()}\n`));
console.log("README.md: option table written from src/option-schema.ts");
