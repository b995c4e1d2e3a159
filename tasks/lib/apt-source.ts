import type { Action } from "../../src/actions/types.js";
import { done, type PlanContext, type StepPlan, todo } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import type { AptSourceEntry } from "../../src/facts/apt-sources.js";

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
function migrations(ctx: PlanContext, spec: SourceSpec): Migration[] {
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

/** Done when the source file holds exactly our entry and no other file repeats the repository. */
export function planAptSource(ctx: PlanContext, spec: SourceSpec): StepPlan {
  const files = ctx.facts.aptSourceFiles;
  const current = files.get(spec.path);
  const moves = migrations(ctx, spec);
  if (current === spec.content && moves.length === 0) return done(`${spec.path} is up to date`);
  const actions: Action[] = moves.map((move) =>
    move.action === "remove"
      ? { kind: "retire-file", path: move.file, reason: `same repository as ${spec.path}` }
      : {
          kind: "write-file",
          path: move.file,
          content: move.content,
          mode: "0644",
          before: files.get(move.file) ?? "",
        },
  );
  if (current !== spec.content) {
    actions.push({
      kind: "write-file",
      path: spec.path,
      content: spec.content,
      mode: "0644",
      before: current,
    });
  }
  return todo(...actions);
}
