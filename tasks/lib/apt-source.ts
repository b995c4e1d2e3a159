import { lineDiff } from "../../src/diff.js";
import type { CheckResult, PlanItem, StepContext } from "../../src/engine/step.js";
import { command, done, todo } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import type { AptSourceEntry } from "../../src/facts/apt-sources.js";
import { shellQuote } from "../../src/hosts/shell.js";
import { backupCommand, timestamp } from "./backup.js";

export interface SourceSpec {
  path: string;
  content: string;
  /** True for an entry that points at the same repository (so apt must not see it twice). */
  matches(entry: AptSourceEntry): boolean;
}

type Migration =
  | { file: string; action: "remove" }
  | { file: string; action: "rewrite"; content: string };

/** Other files' entries for the same repository, and what to do with each file. */
function migrations(ctx: StepContext, spec: SourceSpec): Migration[] {
  const out: Migration[] = [];
  for (const [file, text] of ctx.facts.aptSourceFiles) {
    if (file === spec.path) continue;
    const entries = ctx.facts.aptSources.filter((e) => e.file === file && e.enabled);
    const matching = entries.filter((e) => spec.matches(e));
    if (matching.length === 0) continue;
    if (matching.length === entries.length && file !== "/etc/apt/sources.list") {
      out.push({ file, action: "remove" });
    } else if (!file.endsWith(".sources")) {
      out.push({ file, action: "rewrite", content: commentOutMatching(text, spec) });
    } else {
      throw new StepError(
        `${file} mixes entries for this repository with others; remove the repository's stanza from it and run again`,
      );
    }
  }
  return out;
}

function commentOutMatching(text: string, spec: SourceSpec): string {
  return text
    .split("\n")
    .map((line) => {
      const entry = /^\s*deb(-src)?\s/.test(line) ? parseLine(line) : undefined;
      return entry && spec.matches(entry)
        ? `# moved to ${spec.path} by vla-provision: ${line}`
        : line;
    })
    .join("\n");
}

function parseLine(line: string): AptSourceEntry | undefined {
  const match = /^\s*(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
  if (!match) return undefined;
  return {
    file: "",
    format: "one-line",
    types: [match[1] ?? "deb"],
    uris: [match[2] ?? ""],
    suites: [match[3] ?? ""],
    components: [],
    enabled: true,
  };
}

export function checkAptSource(ctx: StepContext, spec: SourceSpec): CheckResult {
  const current = ctx.facts.aptSourceFiles.get(spec.path);
  const moves = migrations(ctx, spec);
  if (current === spec.content && moves.length === 0) return done(`${spec.path} is up to date`);
  const plan: PlanItem[] = [];
  for (const move of moves) {
    plan.push(
      move.action === "remove"
        ? command(`mv ${move.file} /var/backups/vla-provision/  # same repository as ${spec.path}`)
        : {
            kind: "file",
            path: move.file,
            diff: lineDiff(ctx.facts.aptSourceFiles.get(move.file) ?? "", move.content),
          },
    );
  }
  if (current !== spec.content)
    plan.push({ kind: "file", path: spec.path, diff: lineDiff(current ?? "", spec.content) });
  return todo(...plan);
}

export async function applyAptSource(ctx: StepContext, spec: SourceSpec): Promise<void> {
  const stamp = timestamp();
  for (const move of migrations(ctx, spec)) {
    const backedUp = await ctx.host.run(backupCommand(move.file, stamp), { privileged: true });
    ctx.log(`backed up ${move.file} to ${backedUp.stdout.trim()}`);
    if (move.action === "remove") {
      await ctx.host.run(`rm -f ${shellQuote(move.file)}`, { privileged: true });
    } else {
      await ctx.host.writeFile(move.file, move.content, { mode: "0644" });
    }
  }
  if (ctx.facts.aptSourceFiles.get(spec.path) !== spec.content) {
    await ctx.host.run(backupCommand(spec.path, stamp), { privileged: true });
    await ctx.host.writeFile(spec.path, spec.content, { mode: "0644" });
  }
}
