/**
 * Progress of long work under the running step. apt's machine-readable status (`-o APT::Status-Fd=1`: `dlstatus:` and `pmstatus:` lines) as one
 * progress line under the running step. In a terminal every update replaces the last; in a log only
 * the first line of each phase is kept, so a log holds a line per phase, not hundreds.
 */
export function progressFilter(live: boolean): (chunk: string) => string[] {
  let phase: string | undefined;
  // Output comes in chunks that can end mid-line: keep the unfinished line for the next chunk.
  let rest = "";
  return (chunk) => {
    const lines = `${rest}${chunk}`.split("\n");
    rest = lines.pop() ?? "";
    return lines.flatMap((line) => {
      // docker pull's per-layer events: live, each replaces the last; in a log, one line per pull.
      const layer =
        /^[0-9a-f]{12}: (Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)/.exec(
          line.trim(),
        );
      if (layer) {
        if (live) return [`docker: ${line.trim()}`];
        if (phase === "pull") return [];
        phase = "pull";
        return ["docker: pulling image layers"];
      }
      const status = /^(dlstatus|pmstatus):[^:]*:([\d.]+):(.*)$/.exec(line.trim());
      if (!status) return line.trim() ? [line] : [];
      const [, kind = "", percent = "0", message = ""] = status;
      const verb = kind === "dlstatus" ? "downloading" : "installing";
      if (!live) {
        if (phase === kind) return [];
        phase = kind;
        return [`apt: ${verb}`];
      }
      return [`apt: ${Math.round(Number(percent))}% ${message.trim()}`];
    });
  };
}
