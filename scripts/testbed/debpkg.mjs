// Builds a binary .deb from a list of files and control fields (dpkg-deb --build).
import fs from "node:fs";
import path from "node:path";
import { $ } from "./proc.mjs";

/**
 * @param {object} pkg
 * @param {string} pkg.name
 * @param {string} pkg.version
 * @param {string} pkg.description  first line: synopsis; further lines: the long description
 * @param {Record<string, string>} [pkg.fields]  Depends, Conflicts, Replaces, Provides, ...
 * @param {{dest: string, src?: string, content?: string, mode?: number, link?: string}[]} pkg.files
 * @param {Record<string, string>} [pkg.scripts]  postinst, prerm, postrm ...
 * @param {string[]} [pkg.conffiles]
 * @param {string} stagingDir  where the package tree is put together
 * @param {string} outDir  where the .deb goes
 * @returns {Promise<string>} the .deb's path
 */
export async function buildDeb(pkg, stagingDir, outDir) {
  const root = path.join(stagingDir, `${pkg.name}_${pkg.version.replace(/:/g, "%3a")}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
  for (const file of pkg.files) {
    const dest = path.join(root, file.dest);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (file.link) fs.symlinkSync(file.link, dest);
    else if (file.src) fs.copyFileSync(file.src, dest);
    else fs.writeFileSync(dest, file.content ?? "");
    if (!file.link) fs.chmodSync(dest, file.mode ?? 0o644);
  }
  const [synopsis, ...rest] = pkg.description.trim().split("\n");
  const long = rest.map((line) => ` ${line.trim() || "."}`).join("\n");
  const control = [
    `Package: ${pkg.name}`,
    `Version: ${pkg.version}`,
    `Architecture: ${pkg.arch ?? "amd64"}`,
    `Maintainer: ${pkg.maintainer}`,
    `Installed-Size: ${installedSizeKiB(root)}`,
    ...Object.entries(pkg.fields ?? {})
      .filter(([, v]) => v)
      .map(([k, v]) => `${k}: ${v}`),
    `Section: ${pkg.section ?? "admin"}`,
    `Priority: optional`,
    `Homepage: ${pkg.homepage ?? "https://example.invalid/"}`,
    `Description: ${synopsis}`,
    ...(long ? [long] : []),
  ].join("\n");
  fs.writeFileSync(path.join(root, "DEBIAN", "control"), `${control}\n`);
  for (const [name, body] of Object.entries(pkg.scripts ?? {})) {
    fs.writeFileSync(path.join(root, "DEBIAN", name), body, { mode: 0o755 });
    fs.chmodSync(path.join(root, "DEBIAN", name), 0o755);
  }
  if (pkg.conffiles?.length)
    fs.writeFileSync(path.join(root, "DEBIAN", "conffiles"), `${pkg.conffiles.join("\n")}\n`);
  fs.mkdirSync(outDir, { recursive: true });
  const deb = path.join(
    outDir,
    `${pkg.name}_${pkg.version.replace(/^\d+:/, "")}_${pkg.arch ?? "amd64"}.deb`,
  );
  await $`dpkg-deb --root-owner-group -Zgzip -z1 --build ${root} ${deb}`;
  fs.rmSync(root, { recursive: true, force: true });
  return deb;
}

function installedSizeKiB(dir) {
  let bytes = 0;
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) bytes += fs.statSync(p).size;
    }
  };
  walk(dir);
  return Math.ceil(bytes / 1024);
}
