#!/bin/sh
# Runs inside the debootstrapped tree (chroot), once per base image build of the vla-provision test
# bed. Turns a minbase Debian 12 into a host that boots systemd in a container and takes SSH logins.
set -eu
export DEBIAN_FRONTEND=noninteractive

# Accounts: root (key), ops (passwordless sudo, key), lab (sudo with a password, key). The keys and
# lab's password are put in when a host starts: they belong to the test-bed directory, not the image.
useradd --create-home --shell /bin/bash ops
useradd --create-home --shell /bin/bash --groups sudo lab
echo 'ops ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/ops
chmod 0440 /etc/sudoers.d/ops
for home in /root /home/ops /home/lab; do
  mkdir -p "$home/.ssh"
  touch "$home/.ssh/authorized_keys"
  chmod 0700 "$home/.ssh"
  chmod 0600 "$home/.ssh/authorized_keys"
done
chown -R ops:ops /home/ops/.ssh
chown -R lab:lab /home/lab/.ssh

# No Debian sources: `apt-get update` on a host reaches only the stand-ins on its own loopback.
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
: >/etc/apt/sources.list
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

# systemd as PID 1 in a container: nothing to do for consoles, udev or the clock.
systemctl mask getty@tty1.service serial-getty@.service console-getty.service \
  systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
  systemd-remount-fs.service systemd-timesyncd.service sys-kernel-debug.mount \
  sys-kernel-tracing.mount apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  e2scrub_reap.service fstrim.timer 2>/dev/null || true
systemctl enable ssh.service vla-testbed-repos.service vla-testbed-registry.service
systemctl set-default multi-user.target

# Each container gets its own machine id at boot.
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
