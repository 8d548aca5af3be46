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
  if [ -z "$_apt_updated" ]; then as_root apt-get update -qq >&2; _apt_updated=1; fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
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
  log "no JDK >= 21 found; installing openjdk-21 (Debian 13) or temurin is needed"
  apt_install openjdk-21-jdk-headless 2>/dev/null || die "Lore needs a JDK >= 21; install one and set JAVA_HOME"
  export JAVA_HOME=/usr/lib/jvm/java-21-openjdk-amd64; export PATH="$JAVA_HOME/bin:$PATH"
}
