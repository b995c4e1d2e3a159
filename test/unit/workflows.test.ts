// Every GitHub Actions workflow under .github/workflows/, checked where the test command runs:
// - against GitHub's workflow schema by action-validator (@action-validator/cli from the npm
//   registry; its schema is compiled into its WebAssembly core, so it runs offline), and a broken
//   copy must fail that check;
// - every script file (scripts/…, .ci/…, ./install.sh), local action and npm script
//   (`npm test`, `npm run X`) a workflow runs must exist in the repository and package.json.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { YAML } from "zx";

const root = join(import.meta.dirname, "../..");
const workflowsDir = join(root, ".github/workflows");
const workflowFiles = readdirSync(workflowsDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();
const packageScripts: Record<string, string> = JSON.parse(
  readFileSync(join(root, "package.json"), "utf8"),
).scripts;
/** One validator run takes under a second; the machine may be busy with other tests. */
const VALIDATOR_TIMEOUT = 30_000;
const validatorCli = createRequire(import.meta.url).resolve("@action-validator/cli/cli.mjs");

/** action-validator on one file: exit status 0 when the workflow matches GitHub's schema. */
function validate(file: string) {
  const run = spawnSync(process.execPath, [validatorCli, file], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: 60_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

type Step = { run?: unknown; uses?: unknown; "working-directory"?: unknown };
type Job = { steps?: Step[]; defaults?: { run?: { "working-directory"?: unknown } } };
type Workflow = { jobs?: Record<string, Job>; defaults?: Job["defaults"] };

/** npm's own commands that run a package.json script of the same name. */
const NPM_LIFECYCLE: Record<string, string> = {
  test: "test",
  t: "test",
  tst: "test",
  start: "start",
  stop: "stop",
  restart: "restart",
};
const NPM_RUN = new Set(["run", "run-script", "rum", "urn"]);

/** The words of a shell command line, unquoted, split at operators (&&, ||, ;, |, parentheses). */
function words(line: string): string[] {
  return line
    .split(/&&|\|\||[;|()]/)
    .flatMap((part) => part.trim().split(/\s+/))
    .map((word) => word.replace(/^["']+|["']+$/g, ""))
    .filter(Boolean);
}

/** What one shell script names: npm scripts and repository files. Whole-line comments are skipped. */
function namesIn(script: string): { npmScripts: string[]; files: string[] } {
  const npmScripts: string[] = [];
  const files: string[] = [];
  let changedDirectory = false;
  for (const raw of script.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const ws = words(line);
    for (let i = 0; i < ws.length; i++) {
      const word = ws[i] as string;
      if (word === "cd" || word === "pushd") changedDirectory = true;
      if (word === "npm") {
        const rest = ws.slice(i + 1).filter((w) => !w.startsWith("-"));
        const command = rest[0];
        if (command && NPM_RUN.has(command) && rest[1]) npmScripts.push(rest[1]);
        else if (command && Object.hasOwn(NPM_LIFECYCLE, command))
          npmScripts.push(NPM_LIFECYCLE[command] as string);
        continue;
      }
      // After a `cd`, relative paths name files somewhere else: only the first directory counts.
      if (changedDirectory) continue;
      const path = word.replace(/^\.\//, "").replace(/[,:]$/, "");
      if (/^(scripts|\.ci)\/[\w./-]+$/.test(path) && !path.includes("*")) files.push(path);
      else if (/^[\w.-]+\.(sh|mjs|cjs|js)$/.test(path) && word !== path) files.push(path);
      else if (/^[\w-]+\.sh$/.test(path)) files.push(path);
    }
  }
  return { npmScripts, files };
}

/** Every string in a parsed YAML document. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/**
 * What is wrong with the names a workflow uses: script files and local actions that do not exist
 * under `repo`, npm scripts missing from `scripts` (followed into the scripts they run), and
 * hashFiles() patterns whose directory does not exist. An empty list when all is well.
 */
function missingNames(
  workflowText: string,
  repo: string,
  scripts: Record<string, string>,
): string[] {
  const doc = (YAML.parse(workflowText) ?? {}) as Workflow;
  const problems: string[] = [];
  const seenScripts = new Set<string>();
  const checkNpmScript = (name: string, where: string) => {
    if (seenScripts.has(name)) return;
    seenScripts.add(name);
    const command = scripts[name];
    if (command === undefined) {
      problems.push(`${where}: npm script "${name}" is not in package.json`);
      return;
    }
    const inner = namesIn(command);
    for (const file of inner.files) checkFile(file, ".", `${where} → npm script "${name}"`);
    for (const next of inner.npmScripts) checkNpmScript(next, `${where} → npm script "${name}"`);
  };
  const checkFile = (file: string, dir: string, where: string) => {
    const path = posix.normalize(posix.join(dir, file));
    if (!existsSync(join(repo, path))) problems.push(`${where}: ${path} does not exist`);
  };

  for (const [jobId, job] of Object.entries(doc.jobs ?? {})) {
    const jobDir =
      job.defaults?.run?.["working-directory"] ?? doc.defaults?.run?.["working-directory"];
    (job.steps ?? []).forEach((step, index) => {
      const where = `job "${jobId}", step ${index + 1}`;
      if (typeof step.uses === "string" && step.uses.startsWith("./")) {
        checkFile(step.uses, ".", where);
      }
      if (typeof step.run !== "string") return;
      const dir = step["working-directory"] ?? jobDir;
      const names = namesIn(step.run);
      for (const file of names.files) checkFile(file, typeof dir === "string" ? dir : ".", where);
      for (const name of names.npmScripts) checkNpmScript(name, where);
    });
  }
  for (const text of strings(doc)) {
    for (const call of text.matchAll(/hashFiles\(([^)]*)\)/g)) {
      for (const pattern of (call[1] ?? "").matchAll(/'([^']+)'/g)) {
        const base = (pattern[1] ?? "").split(/[*?[{]/)[0]?.replace(/\/$/, "") ?? "";
        if (base !== "" && !existsSync(join(repo, base))) {
          problems.push(`hashFiles('${pattern[1]}'): ${base} does not exist`);
        }
      }
    }
  }
  return problems;
}

describe("the workflows under .github/workflows/", () => {
  it("include the CI and Vagrant workflows", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["ci.yml", "vagrant.yml"]));
  });

  it.each(workflowFiles)(
    "%s matches GitHub's workflow schema (action-validator)",
    (name) => {
      const result = validate(join(workflowsDir, name));
      expect(result.output).not.toContain('"errors"');
      expect(result.status, result.output).toBe(0);
    },
    VALIDATOR_TIMEOUT,
  );

  it.each(workflowFiles)("%s names only scripts and npm scripts that exist", async (name) => {
    const text = await readFile(join(workflowsDir, name), "utf8");
    expect(missingNames(text, root, packageScripts)).toEqual([]);
  });
});

/** Host names of the Debian archive this machine knows: debian.sources, debootstrap's default. */
function archiveHosts(): string[] {
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
  const urls = [
    ...read("/etc/apt/sources.list.d/debian.sources").matchAll(/^URIs:\s*(.+)$/gm),
    ...read("/usr/sbin/debootstrap").matchAll(/^DEF_MIRROR="([^"]+)"/gm),
  ].flatMap((match) => (match[1] ?? "").split(/\s+/));
  return [...new Set(urls.flatMap((url) => (URL.canParse(url) ? [new URL(url).host] : [])))];
}

describe("ci.yml", () => {
  type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
  type Job = { "runs-on": string; steps: Step[] };
  const doc = YAML.parse(readFileSync(join(workflowsDir, "ci.yml"), "utf8")) as {
    on: Record<string, unknown>;
    jobs: Record<string, Job>;
  };
  const jobs = Object.values(doc.jobs);
  const runs = (job: Job) => job.steps.map((step) => step.run ?? "").join("\n");

  it("runs the README's test command on every push and pull request, npm test as root", () => {
    expect(Object.keys(doc.on).sort()).toEqual(["pull_request", "push"]);
    const test = jobs.find((job) => /\bnpm test\b/.test(runs(job)));
    expect(test?.["runs-on"]).toBe("ubuntu-24.04");
    expect(runs(test as Job)).toMatch(/^npm ci$/m);
    expect(runs(test as Job)).toMatch(/^sudo .*env "PATH=\$PATH" npm test$/m);
    const node = test?.steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
    expect(node?.with).toEqual({ "node-version": 20, cache: "npm" });
    // The same command as the README and .ci/run.
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain("npm ci && npm test");
    expect(readFileSync(join(root, ".ci/run"), "utf8")).toMatch(/^npm ci .*&& npm test$/m);
  });

  it("caches the test bed by a hash of scripts/testbed/, and writes no archive host name", () => {
    const text = readFileSync(join(workflowsDir, "ci.yml"), "utf8");
    const caches = jobs
      .flatMap((job) => job.steps)
      .filter((step) => step.uses?.startsWith("actions/cache"));
    expect(caches.map((step) => String(step.with?.key))).toEqual(
      expect.arrayContaining([
        expect.stringContaining("hashFiles('scripts/testbed/**')"),
        expect.stringContaining("steps.images.outputs.cache-primary-key"),
      ]),
    );
    expect(text).toContain("VLA_DEBIAN_MIRROR: ${{ vars.DEBIAN_MIRROR }}");
    // The archive's host name is read where it is needed, never written here: checked against
    // the ones this machine knows (its apt sources, debootstrap's default).
    for (const host of archiveHosts()) expect(text, host).not.toContain(host);
  });

  it("runs the bundle under the pinned Node 18.19.1", () => {
    const node18 = jobs.find((job) => runs(job).includes("install.mjs node18"));
    expect(runs(node18 as Job)).toContain("npm run build");
    expect(runs(node18 as Job)).toContain('"$node18" dist/cli.mjs --version');
  });
});

describe("the checks fail on broken copies", { timeout: 4 * VALIDATOR_TIMEOUT }, () => {
  let dir: string;
  let ci: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "workflows-"));
    ci = await readFile(join(workflowsDir, "ci.yml"), "utf8");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function validateCopy(text: string) {
    const file = join(dir, "broken.yml");
    await writeFile(file, text);
    return validate(file);
  }

  it("a job without runs-on fails the schema check, naming runs-on", async () => {
    const text = ci.replace(/^ {4}runs-on: ubuntu-24\.04\n/m, "");
    expect(text).not.toBe(ci);
    const result = await validateCopy(text);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("runs-on");
  });

  it("an unknown key fails the schema check, naming the key", async () => {
    for (const [from, to, key] of [
      [/^on:/m, "onn:", "onn"],
      [/^ {6}- uses: actions\/checkout@v4$/m, "      - usez: actions/checkout@v4", "usez"],
      [/^ {4}timeout-minutes: 90$/m, "    timeout-minutes: ninety", "number"],
    ] as const) {
      const text = ci.replace(from, to);
      expect(text, key).not.toBe(ci);
      const result = await validateCopy(text);
      expect(result.status, key).not.toBe(0);
      expect(result.output, key).toContain(key);
    }
  });

  it("a job that needs a job that does not exist fails the schema check", async () => {
    const text = ci.replace(/^ {2}node18:\n/m, "  node18:\n    needs: [lint]\n");
    expect(text).not.toBe(ci);
    const result = await validateCopy(text);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("lint");
  });

  it("names a missing script file, npm script or local action", async () => {
    const text = ci
      .replace(
        'env "PATH=$PATH" npm test',
        'env "PATH=$PATH" npm tset && npm run --silent e2e:vagrnt',
      )
      .replace("node scripts/node-runtimes/install.mjs", "node scripts/node-runtimes/instal.mjs")
      .replace("- run: npm run build", "- run: npm run build && ./install.sh && .ci/runn")
      .replace("- uses: actions/checkout@v4", "- uses: ./.github/actions/missing");
    const file = join(dir, "ci.yml");
    await writeFile(file, text);
    const problems = missingNames(await readFile(file, "utf8"), root, packageScripts);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/npm script "e2e:vagrnt" is not in package\.json/),
        expect.stringMatching(/scripts\/node-runtimes\/instal\.mjs does not exist/),
        expect.stringMatching(/\.ci\/runn does not exist/),
        expect.stringMatching(/\.github\/actions\/missing does not exist/),
      ]),
    );
    // `npm tset` is no npm script (npm itself refuses the command); install.sh exists.
    expect(problems.join("\n")).not.toContain("install.sh");
    expect(missingNames(text.replace(/npm tset/, "npm run tset"), root, packageScripts)).toEqual(
      expect.arrayContaining([expect.stringMatching(/npm script "tset" is not in package\.json/)]),
    );
  });

  it("follows an npm script into the files it runs", async () => {
    const vagrant = await readFile(join(workflowsDir, "vagrant.yml"), "utf8");
    const scripts = { ...packageScripts, "e2e:vagrant": "zx scripts/vagrant-e2e-missing.mjs" };
    expect(missingNames(vagrant, root, scripts)).toEqual([
      expect.stringMatching(
        /step \d+ → npm script "e2e:vagrant": scripts\/vagrant-e2e-missing\.mjs does not exist/,
      ),
    ]);
  });

  it("names a hashFiles() pattern whose directory does not exist", () => {
    const text = ci.replace("hashFiles('scripts/testbed/**')", "hashFiles('scripts/test-bed/**')");
    expect(missingNames(text, root, packageScripts)).toEqual(
      expect.arrayContaining([expect.stringContaining("scripts/test-bed does not exist")]),
    );
  });
});

describe("what a run: script names", () => {
  it("finds npm scripts and repository files, and nothing in comments or after cd", () => {
    const names = namesIn(
      [
        "# npm run commented-out and scripts/commented.mjs",
        "npm ci && npm test",
        'sudo env "PATH=$PATH" npm run --silent build:exe -- --flag',
        "node scripts/node-runtimes/install.mjs node18 x64; .ci/run",
        'sed "s|x|y|" install.sh > release/install.sh',
        "cd dist && ./run-me.sh && node ../scripts/elsewhere.mjs",
        "npm run lint",
      ].join("\n"),
    );
    expect(names.npmScripts).toEqual(["test", "build:exe", "lint"]);
    expect(names.files).toEqual(["scripts/node-runtimes/install.mjs", ".ci/run", "install.sh"]);
  });
});
