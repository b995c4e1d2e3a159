/**
 * Image references as Docker reads them (github.com/distribution/reference):
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := (domain-name | "[" ipv6 "]") [":" port]
 *
 * The first component is a registry only when it holds a "." or ":" or is "localhost", as in
 * `docker pull`; otherwise it is part of the (lower-case) repository path.
 */

export interface ImageReference {
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

export type ImageReferenceCheck =
  | { ok: true; reference: ImageReference }
  | { ok: false; error: string };

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]+)$/;
/** The algorithms Docker verifies (go-digest), with the length of their lower-case hex. */
const DIGEST_HEX_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const NAME_MAX_LENGTH = 255;

export function checkImageReference(value: string): ImageReferenceCheck {
  const fail = (error: string): ImageReferenceCheck => ({ ok: false, error });
  if (value === "") return fail("it is empty");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(value))
    return fail("it contains whitespace or control characters");

  const at = value.indexOf("@");
  const digest = at === -1 ? undefined : value.slice(at + 1);
  const nameAndTag = at === -1 ? value : value.slice(0, at);
  if (digest !== undefined) {
    const error = digestError(digest);
    if (error) return fail(error);
  }

  const colon = nameAndTag.lastIndexOf(":");
  const hasTag = colon > nameAndTag.lastIndexOf("/");
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag))
    return fail(
      `tag ${JSON.stringify(tag)} must be up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );

  if (name === "") return fail("it has no repository name");
  if (name.length > NAME_MAX_LENGTH)
    return fail(`the repository name is longer than ${NAME_MAX_LENGTH} characters`);
  const slash = name.indexOf("/");
  const first = name.slice(0, slash);
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === "localhost");
  const domain = isDomain ? first : undefined;
  const path = isDomain ? name.slice(slash + 1) : name;
  if (domain !== undefined && !DOMAIN.test(domain))
    return fail(`${JSON.stringify(domain)} is not a registry host[:port]`);
  for (const component of path.split("/")) {
    if (component === "") return fail("the repository path has an empty component");
    if (PATH_COMPONENT.test(component)) continue;
    if (PATH_COMPONENT.test(component.toLowerCase()))
      return fail("the repository name must be lower-case");
    return fail(
      `${JSON.stringify(component)} is not a repository path component (lower-case letters and digits, separated by ".", "_", "__" or "-")`,
    );
  }

  const reference: ImageReference = { path };
  if (domain !== undefined) reference.domain = domain;
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return { ok: true, reference };
}

function digestError(digest: string): string | undefined {
  const match = DIGEST.exec(digest);
  const expected = "a digest must be sha256:<64 hex digits> (or sha384, sha512)";
  if (!match) return expected;
  const [, algorithm = "", hex = ""] = match;
  const length = DIGEST_HEX_LENGTHS[algorithm];
  if (length === undefined) return `unsupported digest algorithm ${JSON.stringify(algorithm)}`;
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex))
    return `a ${algorithm} digest must be ${length} lower-case hex digits`;
  return undefined;
}
