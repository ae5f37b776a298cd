#!/usr/bin/env bash
# Installs and starts what Backopper's tests and demo need that a fresh machine may lack:
# OpenSSH (client and server, for the media transfer), MariaDB and PostgreSQL clients and servers, tar,
# gzip, and GNU time and pigz for the benchmark.
# Idempotent; run as root (or with sudo). Safe to run again.
set -euo pipefail

need_install=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need_install+=(openssh-server)
command -v sftp >/dev/null 2>&1 || need_install+=(openssh-client)
command -v mysqldump >/dev/null 2>&1 || need_install+=(mariadb-client)
command -v pg_dump >/dev/null 2>&1 || need_install+=(postgresql-client)
[ -x /usr/sbin/mariadbd ] || need_install+=(mariadb-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_install+=(postgresql)
command -v tar >/dev/null 2>&1 || need_install+=(tar)
command -v gzip >/dev/null 2>&1 || need_install+=(gzip)
# Media snapshot mode and its tests: rsync, and rrsync (shipped with rsync since Debian 12) behind the media gate.
{ command -v rsync && command -v rrsync; } >/dev/null 2>&1 || need_install+=(rsync)
[ -x /usr/bin/time ] || need_install+=(time)   # GNU time: CPU seconds and peak RSS in npm run bench
command -v pigz >/dev/null 2>&1 || need_install+=(pigz)   # the parallel-gzip peer in npm run bench
command -v mysqlslap >/dev/null 2>&1 || need_install+=(mariadb-client)   # the site-load rows of npm run bench
command -v ionice >/dev/null 2>&1 || need_install+=(util-linux)   # BACKOPPER_PRIORITY=low
command -v php >/dev/null 2>&1 || need_install+=(php-cli)   # the real phpdotenv: the .env differential test's oracle
[ -f /usr/share/php/Dotenv/autoload.php ] || need_install+=(php-vlucas-phpdotenv)

if [ ${#need_install[@]} -gt 0 ]; then
  echo "prepare-machine: installing ${need_install[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_install[@]}" >/dev/null
fi
# sshd refuses to start without its privilege-separation directory.
mkdir -p /run/sshd

# MariaDB: root over the socket and 127.0.0.1:3306.
if ! mysqladmin -uroot status >/dev/null 2>&1; then
  echo "prepare-machine: starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do mysqladmin -uroot status >/dev/null 2>&1 && break; sleep 1; done
  mysqladmin -uroot status >/dev/null
fi

# PostgreSQL: the machine's cluster on 127.0.0.1:5432 (tests also start their own password-checking one).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "prepare-machine: starting PostgreSQL"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then pg_ctlcluster --skip-systemctl-redirect "$version" main start || true; fi
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
echo "prepare-machine: ready (sshd $( [ -x /usr/sbin/sshd ] && echo present ), mysqldump $(mysqldump --version | awk '{print $3}'), pg_dump $(pg_dump --version | awk '{print $3}'))"
