// apt as the test bed needs it: Debian 12's archive. On a Debian 12 machine that is the machine's
// own apt; elsewhere (an Ubuntu CI runner) a private apt configuration of its own lists, pointed at
// the Debian archive debootstrap uses and checked with Debian's archive keyring. Packages of another
// release (Debian 13's docker-compose) always come through lists of the test bed's own.
import fs from "node:fs";
import path from "node:path";
import { paths } from "./paths.mjs";
import { $, debianMirror, log } from "./proc.mjs";

const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

function isDebianBookworm() {
  if (process.env.VLA_TESTBED_PRIVATE_APT === "1") return false;
  try {
    return /^VERSION_CODENAME=bookworm$/m.test(fs.readFileSync("/etc/os-release", "utf8"));
  } catch {
    return false;
  }
}

let prepared;
const preparedSuites = new Map();

/** The `-o` options every apt-get call of the test bed takes (none on Debian 12 itself). */
export async function debianAptOptions() {
  if (isDebianBookworm()) return [];
  prepared ??= preparePrivateApt();
  return prepared;
}

/** The `-o` options of apt-get calls that read Debian release `suite` ("trixie"). */
export async function debianSuiteAptOptions(suite) {
  if (suite === "bookworm") return debianAptOptions();
  if (!preparedSuites.has(suite)) preparedSuites.set(suite, preparePrivateApt(suite));
  return preparedSuites.get(suite);
}

async function preparePrivateApt(suite = "bookworm") {
  if (!fs.existsSync(KEYRING))
    throw new Error(`${KEYRING} is missing: install the debian-archive-keyring package`);
  const root = path.join(paths.cache, suite === "bookworm" ? "debian-apt" : `debian-apt-${suite}`);
  const parts = path.join(root, "sources.list.d");
  for (const dir of [
    parts,
    path.join(root, "state", "lists", "partial"),
    path.join(root, "cache", "archives", "partial"),
  ])
    fs.mkdirSync(dir, { recursive: true });
  const list = path.join(root, "sources.list");
  const mirror = debianMirror();
  fs.writeFileSync(
    list,
    [
      `deb [signed-by=${KEYRING}] ${mirror} ${suite} main`,
      `deb [signed-by=${KEYRING}] ${mirror} ${suite}-updates main`,
      "",
    ].join("\n"),
  );
  const options = [
    "-o",
    `Dir::Etc::SourceList=${list}`,
    "-o",
    `Dir::Etc::SourceParts=${parts}`,
    "-o",
    `Dir::State=${path.join(root, "state")}`,
    "-o",
    `Dir::State::status=${path.join(root, "state", "status")}`,
    "-o",
    `Dir::Cache=${path.join(root, "cache")}`,
    "-o",
    "Dir::Etc::PreferencesParts=/dev/null",
    "-o",
    "APT::Sandbox::User=root",
  ];
  if (!fs.existsSync(path.join(root, "state", "status")))
    fs.writeFileSync(path.join(root, "state", "status"), "");
  log(`Debian ${suite} packages from ${mirror}, with apt lists of the test bed's own (${root})`);
  await $`timeout 600 apt-get update -q ${options}`;
  return options;
}
