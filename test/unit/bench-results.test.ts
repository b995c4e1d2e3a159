import { describe, expect, it } from "vitest";

// The benchmark's scripts are plain JavaScript (zx): imported by path, typed here.
const { renderTable, replaceSection, sectionOf } = (await import(
  "../../scripts/bench-results.mjs" as string
)) as {
  renderTable(title: string, header: string[], rows: string[][], note?: string): string;
  replaceSection(
    text: string,
    prefix: string,
    section: string,
    options?: { after?: string },
  ): string;
  sectionOf(text: string, prefix: string): string | undefined;
};

const RESULTS = [
  "# Benchmarks",
  "",
  "Measured on 2 cores.",
  "",
  "### Cold start (whole process)",
  "",
  "| command | time |",
  "| --- | --- |",
  "| a | 1 s |",
  "",
  "A note.",
  "",
  "### Fleet re-run (one process, all hosts concurrently, --no-verify)",
  "",
  "| hosts | time |",
  "| --- | --- |",
  "| 16 | 2 s |",
  "",
  "### Before and after",
  "",
  "Text.",
  "",
].join("\n");

describe("bench/RESULTS.md sections", () => {
  it("renders a table under its heading, with its note", () => {
    expect(renderTable("T", ["a", "b"], [["1", "2"]], "n.")).toBe(
      "### T\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\nn.",
    );
  });

  it("puts a new section after the one named, the others untouched", () => {
    const section = renderTable("Fleet re-run beside the Ansible role (16 hosts)", ["x"], [["1"]]);
    const text = replaceSection(RESULTS, "Fleet re-run beside the Ansible role", section, {
      after: "Fleet re-run (",
    });
    expect(text).toBe(RESULTS.replace("| 16 | 2 s |\n\n", `| 16 | 2 s |\n\n${section}\n\n`));
    expect(sectionOf(text, "Fleet re-run beside")).toBe(section);
    expect(sectionOf(text, "Fleet re-run (")).toContain("| 16 | 2 s |");
    expect(sectionOf(text, "Fleet re-run (")).not.toContain("Ansible");
  });

  it("replaces its own section only, wherever it stands", () => {
    const once = replaceSection(RESULTS, "Fleet re-run beside", "### Fleet re-run beside A\n\nold");
    const twice = replaceSection(once, "Fleet re-run beside", "### Fleet re-run beside B\n\nnew\n");
    expect(twice).toBe(
      once.replace("### Fleet re-run beside A\n\nold", "### Fleet re-run beside B\n\nnew"),
    );
    const cold = replaceSection(RESULTS, "Cold start", "### Cold start (again)\n\n| b |\n");
    expect(cold).toContain(
      "Measured on 2 cores.\n\n### Cold start (again)\n\n| b |\n\n### Fleet re-run (",
    );
    expect(cold).not.toContain("A note.");
    expect(cold).toContain("### Before and after\n\nText.\n");
  });

  it("appends when neither its section nor the one named is there", () => {
    expect(replaceSection("# Benchmarks\n", "X", "### X\n\n1", { after: "Y" })).toBe(
      "# Benchmarks\n\n### X\n\n1\n",
    );
    expect(replaceSection("", "X", "### X")).toBe("### X\n");
    expect(sectionOf(RESULTS, "Nothing")).toBeUndefined();
  });
});
