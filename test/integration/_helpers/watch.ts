/**
 * A second root session on a test host that records every process's command line and environment
 * while the CLI runs: what `ps`, another user with /proc access, or a log collector could read.
 * It runs through `docker exec` as root, outside the CLI and outside the code that scrubs the
 * CLI's own output, so a secret that reaches a command line or an environment is seen as it was.
 *
 * The watcher is Perl (perl-base is Essential on Debian, so every test host has it): it reads
 * /proc without starting a process per read, every 20 ms, and writes each distinct
 * (command line, environment) pair once.
 */
import { expect } from "vitest";
import type { TestHost } from "./testbed.js";

/** One process as the watcher saw it. */
export interface Sighting {
  /** The arguments joined by spaces (tabs and line breaks in them read as spaces). */
  cmdline: string;
  /** NAME=value entries. */
  environ: string[];
}

export interface ProcessWatch {
  /** Stops the watcher and returns every distinct process it saw. */
  stop(): Promise<Sighting[]>;
}

const WATCHER = String.raw`
use strict;
use warnings;
my ($out, $stop, $ready, $seconds) = @ARGV;
open(my $fh, '>>', $out) or die "$out: $!";
my $old = select($fh); $| = 1; select($old);
my %seen;
my $end = time + $seconds;
sub slurp {
  my ($path) = @_;
  open(my $h, '<', $path) or return undef;
  local $/;
  my $text = <$h>;
  close $h;
  return $text;
}
sub clean { my @parts = split /\0/, $_[0]; s/[\t\n\x01]/ /g for @parts; return @parts; }
my $first = 1;
while (!-e $stop && time < $end) {
  opendir(my $dir, '/proc') or die "/proc: $!";
  for my $pid (grep { /^\d+$/ } readdir $dir) {
    next if $pid == $$;
    my $cmd = slurp("/proc/$pid/cmdline");
    next unless defined $cmd && length $cmd;
    my $env = slurp("/proc/$pid/environ");
    $env = '' unless defined $env;
    next if $seen{"$cmd\0\0$env"}++;
    print $fh join(' ', clean($cmd)), "\t", join("\x01", clean($env)), "\n";
  }
  closedir $dir;
  if ($first) { open(my $r, '>', $ready); close $r; $first = 0; }
  select(undef, undef, undef, 0.02);
}
`;

let watchers = 0;

/**
 * Starts the watcher on `host` and returns once it has read /proc at least once. It gives up by
 * itself after `maxSeconds`.
 */
export async function watchProcesses(host: TestHost, maxSeconds = 900): Promise<ProcessWatch> {
  const base = `/tmp/vla-watch-${process.pid}-${++watchers}`;
  const [script, out, stopFile, ready, pidFile] = ["pl", "out", "stop", "ready", "pid"].map(
    (ext) => `${base}.${ext}`,
  );
  const started = await host.exec(
    [
      `rm -f ${out} ${stopFile} ${ready}`,
      `cat > ${script}`,
      `setsid perl ${script} ${out} ${stopFile} ${ready} ${maxSeconds} </dev/null >/dev/null 2>${base}.err & echo $! > ${pidFile}`,
      `i=0; while [ ! -e ${ready} ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done`,
      `test -e ${ready}`,
    ].join("\n"),
    { input: WATCHER },
  );
  if (started.code !== 0) {
    const err = await host.exec(`cat ${base}.err`);
    throw new Error(`the process watcher did not start: ${started.stderr}${err.stdout}`);
  }
  return {
    async stop() {
      // Bounded: the watcher checks for the stop file every 20 ms.
      await host.exec(
        `touch ${stopFile}; pid=$(cat ${pidFile}); i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; kill "$pid" 2>/dev/null; true`,
      );
      const seen = await host.exec(`cat ${out}`);
      expect(seen.code, seen.stderr).toBe(0);
      return parseSightings(seen.stdout);
    },
  };
}

export function parseSightings(text: string): Sighting[] {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const tab = line.indexOf("\t");
      const cmdline = tab < 0 ? line : line.slice(0, tab);
      const environ = tab < 0 ? "" : line.slice(tab + 1);
      return { cmdline, environ: environ ? environ.split("\x01") : [] };
    });
}

/**
 * Where `secret` appears in the sightings: one line per command line or environment entry holding
 * it, cut to the text around it, with the secret itself replaced by [SECRET].
 */
export function sightingsOf(sightings: Sighting[], secret: string): string[] {
  if (!secret) throw new Error("an empty secret matches everything");
  const around = (text: string) => {
    const at = text.indexOf(secret);
    const start = Math.max(0, at - 80);
    const end = Math.min(text.length, at + secret.length + 80);
    return `${start > 0 ? "..." : ""}${text.slice(start, end)}${end < text.length ? "..." : ""}`.replaceAll(
      secret,
      "[SECRET]",
    );
  };
  return sightings.flatMap((s) => [
    ...(s.cmdline.includes(secret) ? [`command line: ${around(s.cmdline)}`] : []),
    ...s.environ
      .filter((entry) => entry.includes(secret))
      .map((entry) => `environment of ${around(s.cmdline)}: ${around(entry)}`),
  ]);
}
