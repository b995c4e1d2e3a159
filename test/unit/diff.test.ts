import { describe, expect, it } from "vitest";
import { lineDiff } from "../../src/diff.js";

describe("lineDiff", () => {
  it("marks every line unchanged for equal texts", () => {
    expect(lineDiff("a\nb\n", "a\nb\n")).toBe("  a\n  b");
  });

  it("adds every line to an empty file", () => {
    expect(lineDiff("", "Types: deb\nSuites: bookworm\n")).toBe("+ Types: deb\n+ Suites: bookworm");
  });

  it("removes every line of a file that becomes empty", () => {
    expect(lineDiff("deb http://x bookworm main\n", "")).toBe("- deb http://x bookworm main");
  });

  it("is empty for two empty texts", () => {
    expect(lineDiff("", "")).toBe("");
  });

  it("ignores one final newline", () => {
    expect(lineDiff("a", "a\n")).toBe("  a");
  });

  it("inserts and deletes around common lines", () => {
    expect(lineDiff("a\nc\n", "a\nb\nc\n")).toBe("  a\n+ b\n  c");
    expect(lineDiff("a\nb\nc\n", "a\nc\n")).toBe("  a\n- b\n  c");
    expect(lineDiff("a\nb\nc\n", "a\nb\nc\nd\n")).toBe("  a\n  b\n  c\n+ d");
  });

  it("keeps the longest common run of lines", () => {
    expect(lineDiff("x\na\nb\n", "a\nb\ny\n")).toBe("- x\n  a\n  b\n+ y");
  });

  it("shows a changed line as the old one removed, then the new one added", () => {
    expect(lineDiff("a\nb\nc\n", "a\nx\nc\n")).toBe("  a\n- b\n+ x\n  c");
    expect(
      lineDiff(
        "Types: deb\nSigned-By: /etc/apt/keyrings/docker.gpg\n",
        "Types: deb\nSigned-By: /etc/apt/keyrings/docker.asc\n",
      ),
    ).toBe(
      "  Types: deb\n- Signed-By: /etc/apt/keyrings/docker.gpg\n+ Signed-By: /etc/apt/keyrings/docker.asc",
    );
  });
});
