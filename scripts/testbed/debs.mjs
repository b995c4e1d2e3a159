// .debs fetched from Debian 12, or another release (`apt-get download`, see debian-apt.mjs), kept in
// .testbed/cache.
import fs from "node:fs";
import path from "node:path";
import { debianSuiteAptOptions } from "./debian-apt.mjs";
import { paths } from "./paths.mjs";
import { $ } from "./proc.mjs";

function debDirOf(suite) {
  return path.join(paths.cache, suite === "bookworm" ? "debs" : `debs-${suite}`);
}

function findDeb(name, debDir) {
  if (!fs.existsSync(debDir)) return undefined;
  const file = fs.readdirSync(debDir).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
  return file ? path.join(debDir, file) : undefined;
}

/** Returns the paths of the named packages' .debs (of Debian `suite`), downloading the ones not cached yet. */
export async function ensureDebs(names, { suite = "bookworm" } = {}) {
  const debDir = debDirOf(suite);
  const missing = names.filter((n) => !findDeb(n, debDir));
  if (missing.length > 0) {
    fs.mkdirSync(debDir, { recursive: true });
    const apt = await debianSuiteAptOptions(suite);
    const download = () =>
      $({
        cwd: debDir,
      })`timeout 300 apt-get download -o APT::Sandbox::User=root ${apt} ${missing}`.nothrow();
    let result = await download();
    if (result.exitCode !== 0) {
      await $`timeout 300 apt-get update -o DPkg::Lock::Timeout=300 ${apt}`;
      result = await download();
    }
    if (result.exitCode !== 0)
      throw new Error(`apt-get download ${missing.join(" ")}:\n${result.stderr}`);
  }
  return names.map((n) => {
    const deb = findDeb(n, debDir);
    if (!deb) throw new Error(`${n}: no .deb in ${debDir}`);
    return deb;
  });
}
