import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandHostRange } from "../../src/inventory/host-range.js";
import { parseIniInventory } from "../../src/inventory/ini.js";
import { selectHosts } from "../../src/inventory/limit.js";
import { loadInventories } from "../../src/inventory/load.js";
import { hostsOfGroup, type Inventory } from "../../src/inventory/model.js";
import { selectInventoryTargets } from "../../src/inventory/select.js";
import { inventoryTarget } from "../../src/inventory/targets.js";
import { hostVariables } from "../../src/inventory/variables.js";
import { parseYamlInventory } from "../../src/inventory/yaml.js";

const dir = mkdtempSync(join(tmpdir(), "vla-inventory-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** The same lab written both ways Ansible reads. */
const LAB_INI = `
# ungrouped, before any section
bastion ansible_host=10.0.0.1

[gpu]
gpu-[01:03] ansible_user=ops
gpu-big ansible_host=10.0.1.9 ansible_port=2222 ansible_ssh_private_key_file=~/.ssh/big

[cpu]
cpu-a:2200 ansible_host="10.0.2.1"   # a comment

[lab:children]
gpu
cpu

[lab:vars]
ansible_user=lab
ansible_port=22

[all:vars]
ansible_user=admin
`;

const LAB_YAML = `
all:
  vars:
    ansible_user: admin
  hosts:
    bastion:
      ansible_host: 10.0.0.1
  children:
    lab:
      vars:
        ansible_user: lab
        ansible_port: 22
      children:
        gpu:
          hosts:
            gpu-[01:03]:
              ansible_user: ops
            gpu-big:
              ansible_host: 10.0.1.9
              ansible_port: 2222
              ansible_ssh_private_key_file: ~/.ssh/big
        cpu:
          hosts:
            cpu-a:
              ansible_host: "10.0.2.1"
              ansible_port: 2200
`;

const targetsOf = (inventory: Inventory, limit?: string) =>
  selectHosts(inventory, limit).map((name) => inventoryTarget(inventory, name));

describe.each([
  ["INI", () => parseIniInventory(LAB_INI, "hosts.ini")],
  ["YAML", () => parseYamlInventory(LAB_YAML, "hosts.yml")],
])("an %s inventory", (_format, parse) => {
  it("reads hosts, ranges, groups and children", () => {
    const inventory = parse();
    expect([...inventory.hosts.keys()]).toEqual([
      "bastion",
      "gpu-01",
      "gpu-02",
      "gpu-03",
      "gpu-big",
      "cpu-a",
    ]);
    expect(hostsOfGroup(inventory, "lab")).toEqual([
      "gpu-01",
      "gpu-02",
      "gpu-03",
      "gpu-big",
      "cpu-a",
    ]);
    expect(hostsOfGroup(inventory, "ungrouped")).toEqual(["bastion"]);
  });

  it("resolves each host's connection: host vars over child groups over parents over all", () => {
    expect(targetsOf(parse())).toEqual([
      { name: "bastion", ssh: "admin@10.0.0.1" },
      { name: "gpu-01", ssh: "ops@gpu-01:22" },
      { name: "gpu-02", ssh: "ops@gpu-02:22" },
      { name: "gpu-03", ssh: "ops@gpu-03:22" },
      {
        name: "gpu-big",
        ssh: "lab@10.0.1.9:2222",
        identity: join(homedir(), ".ssh/big"),
      },
      { name: "cpu-a", ssh: "lab@10.0.2.1:2200" },
    ]);
  });

  it("--limit: groups, hosts, globs, unions, intersections and exclusions", () => {
    const inventory = parse();
    const names = (limit: string) => selectHosts(inventory, limit);
    expect(names("cpu")).toEqual(["cpu-a"]);
    expect(names("gpu:!gpu-02")).toEqual(["gpu-01", "gpu-03", "gpu-big"]);
    expect(names("gpu-0*,bastion")).toEqual(["bastion", "gpu-01", "gpu-02", "gpu-03"]);
    expect(names("lab:&gpu-0[1-2]")).toEqual(["gpu-01", "gpu-02"]);
    expect(names("!lab")).toEqual(["bastion"]);
    expect(names("all:!gpu")).toEqual(["bastion", "cpu-a"]);
    expect(names("~gpu-0[13]")).toEqual(["gpu-01", "gpu-03"]);
    expect(names("ungrouped")).toEqual(["bastion"]);
  });
});

describe("--limit refuses what it cannot honour", () => {
  const inventory = parseIniInventory(LAB_INI, "hosts.ini");
  it.each([
    ["gpu-99", /"gpu-99" names no host or group/],
    ["gpu:!nothing", /"nothing" names no host or group/],
    ["gpu-9*", /"gpu-9\*" matches no host or group/],
    ["gpu[0]", /subscript/],
    ["@retry.txt", /retry file/],
    ["gpu:&cpu", /selects no host/],
    ["", /is empty/],
  ])("%j", (limit, message) => {
    expect(() => selectHosts(inventory, limit)).toThrow(message);
  });
});

describe("host ranges", () => {
  it("zero-padded numbers, letters, steps and several ranges in one name", () => {
    expect(expandHostRange("gpu-[01:16]", "x")).toHaveLength(16);
    expect(expandHostRange("gpu-[01:03].lab", "x")).toEqual([
      "gpu-01.lab",
      "gpu-02.lab",
      "gpu-03.lab",
    ]);
    expect(expandHostRange("gpu-[8:10]", "x")).toEqual(["gpu-8", "gpu-9", "gpu-10"]);
    expect(expandHostRange("node[a:c]", "x")).toEqual(["nodea", "nodeb", "nodec"]);
    expect(expandHostRange("n[1:9:4]", "x")).toEqual(["n1", "n5", "n9"]);
    expect(expandHostRange("r[1:2]-[a:b]", "x")).toEqual(["r1-a", "r1-b", "r2-a", "r2-b"]);
    expect(expandHostRange("[:2]", "x")).toEqual(["0", "1", "2"]);
  });

  it.each([
    ["gpu-[01:100]", /same length/],
    ["gpu-[5:1]", /greater than end/],
    ["gpu-[1]", /begin:end/],
    ["gpu-[1:]", /no end/],
    ["gpu-[1:3:0]", /step/],
    ["gpu-[1:99999999]", /more than/],
    ["gpu-[c:a]", /after end/],
  ])("refuses %s", (pattern, message) => {
    expect(() => expandHostRange(pattern, "hosts.ini:3")).toThrow(message);
  });
});

describe("INI details", () => {
  it("a group named as a child must be defined, as in Ansible", () => {
    expect(() => parseIniInventory("[lab:children]\ngpu\n", "h.ini")).toThrow(
      /h\.ini:2: the group "gpu" has no \[gpu\]/,
    );
    expect(() => parseIniInventory("[gpu:vars]\na=1\n", "h.ini")).toThrow(/"gpu"/);
  });

  it("refuses unknown section kinds and malformed lines, naming file and line", () => {
    expect(() => parseIniInventory("[gpu:hosts]\n", "h.ini")).toThrow(/h\.ini:1: .*:hosts/);
    expect(() => parseIniInventory("[gpu]\nh1 port\n", "h.ini")).toThrow(
      /h\.ini:2: expected key=value/,
    );
    expect(() => parseIniInventory('[gpu]\nh1 a="b\n', "h.ini")).toThrow(/unclosed/);
  });

  it("an IPv6 address as a host name keeps its colons", () => {
    const inventory = parseIniInventory("[v6]\nfe80::1 ansible_user=ops\n", "h.ini");
    expect(targetsOf(inventory)).toEqual([{ name: "fe80::1", ssh: "ops@[fe80::1]" }]);
  });

  it("an empty group is defined and selects nothing", () => {
    const inventory = parseIniInventory("[empty]\n[gpu]\nh1\n", "h.ini");
    expect(() => selectHosts(inventory, "empty")).toThrow(/selects no host/);
  });
});

describe("YAML details", () => {
  it("refuses an inventory plugin's configuration", () => {
    expect(() => parseYamlInventory("plugin: amazon.aws.aws_ec2\n", "aws_ec2.yml")).toThrow(
      /inventory plugin "amazon.aws.aws_ec2".*ansible-inventory -i aws_ec2.yml --list --yaml/,
    );
  });

  it("refuses a key a group cannot hold (a host put directly under a group)", () => {
    expect(() => parseYamlInventory("gpu:\n  gpu-01:\n", "h.yml")).toThrow(
      /h\.yml: gpu: unexpected key "gpu-01"/,
    );
    expect(() => parseYamlInventory("gpu:\n  hosts:\n    - a\n", "h.yml")).toThrow(/mapping/);
    expect(() => parseYamlInventory("all: [\n", "h.yml")).toThrow(/not valid YAML/);
  });

  it("merge keys, as Ansible's YAML 1.1 reads them", () => {
    const inventory = parseYamlInventory(
      "all:\n  hosts:\n    a: &common\n      ansible_user: ops\n    b:\n      <<: *common\n      ansible_port: 2022\n",
      "h.yml",
    );
    expect(targetsOf(inventory)).toEqual([
      { name: "a", ssh: "ops@a" },
      { name: "b", ssh: "ops@b:2022" },
    ]);
  });
});

describe("connection variables", () => {
  const one = (vars: string) => parseIniInventory(`h1 ${vars}\n`, "h.ini");
  it("ansible_connection=local is this machine", () => {
    expect(targetsOf(one("ansible_connection=local"))).toEqual([{ name: "h1" }]);
  });
  it.each([
    ["ansible_connection=winrm", /ansible_connection=winrm is not supported/],
    ["ansible_ssh_common_args='-o ProxyJump=jump'", /ansible_ssh_common_args is not supported/],
    ['ansible_host=\'{{ lookup("env","X") }}\'', /Jinja template/],
    ["ansible_port=99999", /not a port number/],
    ["ansible_user=a/b", /not a valid user name/],
  ])("%s is refused", (vars, message) => {
    expect(() => targetsOf(one(vars))).toThrow(message);
  });
  it("group depth decides between groups; name order between groups of one depth", () => {
    const inventory = parseIniInventory(
      "[b]\nh1\n[a]\nh1\n[a:vars]\nansible_user=from-a\n[b:vars]\nansible_user=from-b\n",
      "h.ini",
    );
    expect(hostVariables(inventory, "h1").ansible_user).toBe("from-b");
  });
});

describe("loading inventory files", () => {
  it("refuses an executable (a dynamic inventory script) before reading it", () => {
    const script = file("ec2.py", "#!/usr/bin/env python3\n");
    chmodSync(script, 0o755);
    expect(() => loadInventories([script])).toThrow(
      /is executable: a dynamic inventory script is not supported.*ansible-inventory/,
    );
  });

  it("refuses a folder and a missing file", () => {
    expect(() => loadInventories([dir])).toThrow(/is a folder/);
    expect(() => loadInventories([join(dir, "nope")])).toThrow(/does not exist/);
  });

  it("reads YAML without an extension when it starts like YAML, and merges several files", () => {
    const yaml = file("lab/hosts", "all:\n  hosts:\n    y1:\n");
    const ini = file("lab/more.ini", "[gpu]\ni1\n");
    const { inventory } = loadInventories([yaml, ini]);
    expect([...inventory.hosts.keys()]).toEqual(["y1", "i1"]);
  });

  it("reads group_vars/ and host_vars/ beside the file; inventory host vars win", () => {
    const inventory = file("site/hosts.ini", "[gpu]\ng1\ng2 ansible_port=2200\n");
    file("site/group_vars/all.yml", "ansible_user: ops\n");
    file("site/group_vars/gpu/10-keys.yml", "ansible_ssh_private_key_file: /keys/gpu\n");
    file("site/group_vars/gpu/vault.yml", "$ANSIBLE_VAULT;1.1;AES256\n6231\n");
    file("site/host_vars/g2.yaml", "ansible_port: 9999\nansible_host: 10.9.9.2\n");
    const selection = selectInventoryTargets([inventory], undefined);
    expect(selection.targets).toEqual([
      { name: "g1", ssh: "ops@g1", identity: "/keys/gpu" },
      { name: "g2", ssh: "ops@10.9.9.2:2200", identity: "/keys/gpu" },
    ]);
    expect(selection.notices).toEqual([
      expect.stringMatching(/vault\.yml is encrypted with ansible-vault and was not read/),
    ]);
  });

  it("an inventory that names no host, and --limit without one, are refused", () => {
    const empty = file("empty.ini", "# nothing yet\n");
    expect(() => selectInventoryTargets([empty], undefined)).toThrow(/names no host/);
    expect(() => selectInventoryTargets([], "gpu")).toThrow(
      /--limit selects hosts of an --inventory/,
    );
  });
});
