import type { Facts } from "../facts.js";
import type { Section } from "../sections.js";

/** The probe's output, read by section. */
export interface SectionReader {
  section(name: string): Section | undefined;
  body(name: string): string;
  /** The section's command exited 0. */
  ok(name: string): boolean;
  code(name: string): number | undefined;
  /** Non-empty lines of the body. */
  lines(name: string): string[];
  all(): Section[];
  /** The account the probe was asked about ($1). */
  targetUser: string;
}

/**
 * One part of the batched probe: its shell snippet (run inside `if want <name>`) and, beside it,
 * the function that turns its output into the facts it fills.
 */
export interface ProbeSectionDef<K extends keyof Facts = keyof Facts, N extends string = string> {
  name: N;
  script: string;
  parse(read: SectionReader): Pick<Facts, K>;
}

export function lines(body: string): string[] {
  return body.split("\n").filter(Boolean);
}

export function sectionReader(sections: Map<string, Section>, targetUser: string): SectionReader {
  const body = (name: string) => sections.get(name)?.body ?? "";
  return {
    section: (name) => sections.get(name),
    body,
    ok: (name) => sections.get(name)?.code === 0,
    code: (name) => sections.get(name)?.code,
    lines: (name) => lines(body(name)),
    all: () => [...sections.values()],
    targetUser,
  };
}

/** A section definition of any fact, as the probe's list holds them. */
export interface AnySectionDef {
  name: string;
  script: string;
  parse(read: SectionReader): Partial<Facts>;
}
