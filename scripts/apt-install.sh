# Sourced by scripts/install-*.sh: installs the given Debian packages quietly (one line saying so) and
# stops the services Debian starts with them, since tests start their own on loopback.
# Usage: apt_install <packages...> -- <services to stop...>
apt_install() {
  local packages=() services=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do packages+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  services=("$@")
  [ ${#packages[@]} -eq 0 ] && return 0
  echo "installing ${packages[*]} from Debian's packages"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  local service
  for service in "${services[@]}"; do
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
    elif command -v service >/dev/null; then
      $sudo service "$service" stop >/dev/null 2>&1 || true
    fi
  done
}
