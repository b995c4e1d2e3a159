// Re-checks the mutants StrykerJS reported as surviving, without Stryker: each one is applied to a
// scratch copy of the repository as a plain code change, and the unit tests that import the file
// (`vitest related`) run against it. Static mutants (code run while modules load) are activated too
// late by Stryker's vitest runner when it filters tests (StrykerJS issue #6144), so it reports
// many of them as survivors that the tests do kill.
// Usage: npx zx scripts/mutation-recheck.mjs [--report reports/mutation/mutation.json] [--all]
//   --all: every survivor and no-coverage mutant, not only the static ones.
// Prints one line per mutant and the corrected score per file and folder; writes
// reports/mutation/recheck.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { $, argv } from "zx";

$.verbose = false;
const ROOT = path.resolve(import.meta.dirname, "..");
const reportFile = path.resolve(ROOT, argv.report ?? "reports/mutation/mutation.json");
const report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vla-mutants-"));

for (const entry of [
  "src",
  "tasks",
  "test",
  "data",
  "scripts",
  "package.json",
  "tsconfig.json",
  "vitest.config.ts",
]) {
  if (fs.existsSync(path.join(ROOT, entry)))
    fs.cpSync(path.join(ROOT, entry), path.join(scratch, entry), { recursive: true });
}
fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(scratch, "node_modules"));

/** 1-based line and column to an offset in `source`. */
function offset(source, { line, column }) {
  const lines = source.split("\n");
  return lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
}

const wanted = (m) =>
  argv.all
    ? m.status === "Survived" || m.status === "NoCoverage"
    : m.status === "Survived" && m.static;

const results = [];
for (const [file, data] of Object.entries(report.files)) {
  const relative = path.relative(ROOT, path.resolve(ROOT, file));
  const target = path.join(scratch, relative);
  for (const mutant of data.mutants.filter(wanted)) {
    const from = offset(data.source, mutant.location.start);
    const to = offset(data.source, mutant.location.end);
    fs.writeFileSync(
      target,
      data.source.slice(0, from) + mutant.replacement + data.source.slice(to),
    );
    const run = await $({
      cwd: scratch,
      nothrow: true,
    })`timeout 300 npx vitest related ${relative} --run --project unit --bail 1 --reporter dot`;
    const killed = run.exitCode !== 0;
    results.push({
      file: relative,
      id: mutant.id,
      line: mutant.location.start.line,
      mutator: mutant.mutatorName,
      static: Boolean(mutant.static),
      was: mutant.status,
      killed,
    });
    console.log(
      `${killed ? "killed  " : "survived"} ${relative}:${mutant.location.start.line} ${mutant.mutatorName}${mutant.static ? " (static)" : ""} ${JSON.stringify(mutant.replacement).slice(0, 60)}`,
    );
  }
  fs.writeFileSync(target, data.source);
}
fs.rmSync(scratch, { recursive: true, force: true });

// Corrected scores: Stryker's killed and timed-out mutants, plus those killed here.
const score = (mutants, file) => {
  const again = new Set(results.filter((r) => r.killed && r.file === file).map((r) => r.id));
  const detected = mutants.filter(
    (m) => m.status === "Killed" || m.status === "Timeout" || again.has(m.id),
  ).length;
  const valid = mutants.filter(
    (m) => m.status !== "CompileError" && m.status !== "RuntimeError" && m.status !== "Ignored",
  ).length;
  return { detected, valid };
};
const folders = new Map();
console.log("\nfile | mutants | Stryker | after the re-check");
for (const [file, data] of Object.entries(report.files)) {
  const relative = path.relative(ROOT, path.resolve(ROOT, file));
  const { detected, valid } = score(data.mutants, relative);
  const stryker = data.mutants.filter(
    (m) => m.status === "Killed" || m.status === "Timeout",
  ).length;
  console.log(
    `${relative} | ${valid} | ${((100 * stryker) / valid).toFixed(2)} | ${((100 * detected) / valid).toFixed(2)}`,
  );
  const folder = path.dirname(relative);
  const sum = folders.get(folder) ?? { detected: 0, valid: 0, stryker: 0 };
  folders.set(folder, {
    detected: sum.detected + detected,
    valid: sum.valid + valid,
    stryker: sum.stryker + stryker,
  });
}
for (const [folder, sum] of folders)
  console.log(
    `${folder}/ | ${sum.valid} | ${((100 * sum.stryker) / sum.valid).toFixed(2)} | ${((100 * sum.detected) / sum.valid).toFixed(2)}`,
  );
fs.mkdirSync(path.join(ROOT, "reports/mutation"), { recursive: true });
fs.writeFileSync(
  path.join(ROOT, "reports/mutation/recheck.json"),
  `${JSON.stringify(results, null, 2)}\n`,
);
