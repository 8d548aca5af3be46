# Shared helpers for Lore's deploy scripts. Source it; do not run it.
# Everything here is idempotent: a step that finds its work done does nothing.

LORE_ROOT="${LORE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# bold / red only on a terminal: a log file or CI output gets plain text
if [ -t 2 ]; then _LORE_B=$'\033[1m' _LORE_R=$'\033[31m' _LORE_0=$'\033[0m'; else _LORE_B='' _LORE_R='' _LORE_0=''; fi
log()  { printf '%s[lore]%s %s\n' "$_LORE_B" "$_LORE_0" "$*" >&2; }
die()  { printf '%s[lore] error:%s %s\n' "$_LORE_R" "$_LORE_0" "$*" >&2; exit 1; }

# as_root CMD...: run CMD as root (directly when we are root, else through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

_apt_updated=""
# apt_install PKG...: install Debian packages that are missing (one apt-get update per script run).
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  _apt_update_once
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# apt_has PKG: true when the apt sources offer PKG (the package lists are refreshed once first if they do not know it).
apt_has() {
  apt-cache show "$1" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null || return 1
  _apt_update_once || true
  apt-cache show "$1" >/dev/null 2>&1
}

_apt_update_once() {
  [ -n "$_apt_updated" ] && return 0
  _apt_updated=1
  as_root apt-get update -qq >&2
}

# ensure_java: export JAVA_HOME pointing at a JDK >= 21 (an existing JAVA_HOME wins when it is new enough).
ensure_java() {
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 \
              /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/javac" ] || continue
    v=$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')
    if [ "${v%%.*}" -ge 21 ] 2>/dev/null; then export JAVA_HOME="$cand"; export PATH="$JAVA_HOME/bin:$PATH"; return 0; fi
  done
  local arch; arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
  log "no JDK >= 21 found: installing one"
  if apt_has openjdk-21-jdk-headless; then
    apt_install openjdk-21-jdk-headless   # Debian 13, Ubuntu 24.04
    cand="/usr/lib/jvm/java-21-openjdk-$arch"
  else
    _install_temurin_21 || die "Lore needs a JDK >= 21; install one and set JAVA_HOME"
    cand="/usr/lib/jvm/temurin-21-jdk-$arch"
  fi
  [ -x "$cand/bin/javac" ] || die "a JDK 21 was installed but $cand/bin/javac is missing; set JAVA_HOME"
  export JAVA_HOME="$cand"; export PATH="$JAVA_HOME/bin:$PATH"
}

# Debian 12 and Ubuntu 22.04 have no openjdk-21: Eclipse Temurin 21 from Adoptium's apt repository, set up the way
# https://adoptium.net/installation/linux/ describes (its key in /usr/share/keyrings, one list file).
_install_temurin_21() {
  local codename; codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || return 1
  apt_install curl ca-certificates gnupg
  log "adding Adoptium's apt repository ($codename) for temurin-21-jdk"
  curl -fsSL https://packages.adoptium.net/artifactory/api/gpg/key/public | as_root gpg --dearmor --yes -o /usr/share/keyrings/adoptium.gpg || return 1
  echo "deb [signed-by=/usr/share/keyrings/adoptium.gpg] https://packages.adoptium.net/artifactory/deb $codename main" \
    | as_root tee /etc/apt/sources.list.d/adoptium.list >/dev/null || return 1
  as_root apt-get update -qq >&2 || return 1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends temurin-21-jdk >&2
}
