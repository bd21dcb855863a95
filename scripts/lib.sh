# Shared by the scripts in this folder: a virtualenv with the connector and its test dependencies, and the fake
# Twilio (fake_twilio/, a development-only distribution of its own, so that the connector's wheel holds
# source_twilio alone).
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

# The venvs are installed by uv (a Rust build of pip's job, from PyPI like anything else): it downloads and unpacks in
# parallel and links the files of a package it has already unpacked, so that the three venvs below, which share
# airbyte-cdk's 80 distributions, take seconds where pip took about 2.5 minutes of CPU. Bytecode: Python writes it for
# each module the first time one is imported, which costs a fraction of compiling every installed file (pip's way, about
# 50 s of CPU for these venvs); where PYTHONDONTWRITEBYTECODE is set, Python would compile again in every process (the
# tests start about 150 connector processes), so uv compiles everything at install then. scripts/test unsets it.
# USE_PIP=1, or uv failing to install, falls back to pip.
UV_VERSION="${UV_VERSION:-0.13.9}"
UV_DIR="${UV_DIR:-$PWD/build/uv}"
UV=""
UV_CHECKED=""
export UV_PYTHON_DOWNLOADS=never  # the venvs use $PYTHON; uv must not fetch an interpreter of its own
# Sets UV (empty: pip). The ensure_* functions call it when nothing did; call it first before running them in parallel.
ensure_uv() {
  UV="" UV_CHECKED=1
  if [ "${USE_PIP:-0}" = 1 ]; then return; fi
  if [ "$("$UV_DIR/bin/uv" --version 2>/dev/null | cut -d ' ' -f 2)" != "$UV_VERSION" ]; then  # "uv 0.13.9 (x86_64-...)"
    rm -rf "$UV_DIR"
    if ! "$PYTHON" -m pip install --quiet --disable-pip-version-check --target "$UV_DIR" "uv==$UV_VERSION" \
         > /tmp/source-twilio-uv-install.log 2>&1 || [ ! -x "$UV_DIR/bin/uv" ]; then
      echo "uv $UV_VERSION could not be installed (/tmp/source-twilio-uv-install.log): pip installs the venvs, slower" >&2
      return 0
    fi
  fi
  UV="$UV_DIR/bin/uv"
}

# new_venv DIR [--seed]: a venv of $PYTHON at DIR (--seed: with pip in it, which the tests of the image import).
new_venv() {
  [ -n "$UV_CHECKED" ] || ensure_uv
  if [ -n "$UV" ]; then
    "$UV" venv --quiet --allow-existing --python "$PYTHON" "${@:2}" "$1"
  else
    "$PYTHON" -m venv "$1" || return 1
    if [ "${2:-}" = --seed ]; then  # as before uv: the venv's own pip, upgraded
      "$1/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip > "$1/install.log" 2>&1 \
        || { cat "$1/install.log" >&2; return 1; }
    fi
  fi
}

# install_into DIR ARGS...: `pip install ARGS...` into the venv at DIR, output to DIR/install.log (shown on failure).
install_into() {
  local dir="$1"
  shift
  [ -n "$UV_CHECKED" ] || ensure_uv
  if [ -n "$UV" ]; then
    "$UV" pip install --quiet --system-certs ${PYTHONDONTWRITEBYTECODE:+--compile-bytecode} --python "$dir/bin/python" "$@" \
      > "$dir/install.log" 2>&1
  else
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" > "$dir/install.log" 2>&1
  fi || { cat "$dir/install.log" >&2; return 1; }
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    new_venv "$VENV" --seed
  fi
  # The stamp skips a reinstall when nothing that decides the install changed.
  local stamp="$VENV/.installed" want
  want=$(cat pyproject.toml fake_twilio/pyproject.toml constraints.txt 2>/dev/null | sha256sum | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing source-twilio and its test dependencies into $VENV..." >&2
    install_into "$VENV" -c constraints.txt -e ".[dev]" -e ./fake_twilio || return 1
    echo "$want" > "$stamp"
  fi
}

# A venv with airbyte-cdk alone, as Airbyte's manifest-only runner and Connector Builder have it: the tests of
# integration_tests/test_hosts.py run manifest.yaml and components.py there, where source_twilio cannot be imported.
CDK_VENV="${CDK_VENV:-$PWD/.venv-cdk}"
ensure_cdk_venv() {
  local stamp="$CDK_VENV/.installed" want
  want=$(grep -i '^airbyte-cdk==' constraints.txt | sha256sum | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return; fi
  echo "Installing airbyte-cdk alone into $CDK_VENV..." >&2
  new_venv "$CDK_VENV" && install_into "$CDK_VENV" -c constraints.txt airbyte-cdk || return 1
  echo "$want" > "$stamp"
}

# PyAirbyte, which pins its own airbyte-cdk, in a venv of its own, with the fake Twilio (the standard library only):
# tools/pyairbyte_duckdb.py reads the connector (.venv/bin/source-twilio) into DuckDB there.
PYAIRBYTE_VENV="${PYAIRBYTE_VENV:-$PWD/.venv-pyairbyte}"
PYAIRBYTE_VERSION="${PYAIRBYTE_VERSION:-0.71.3}"
ensure_pyairbyte_venv() {
  local stamp="$PYAIRBYTE_VENV/.installed" want
  want=$(echo "airbyte==$PYAIRBYTE_VERSION" | cat - fake_twilio/pyproject.toml | sha256sum | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return; fi
  echo "Installing PyAirbyte $PYAIRBYTE_VERSION into $PYAIRBYTE_VENV..." >&2
  new_venv "$PYAIRBYTE_VENV" && install_into "$PYAIRBYTE_VENV" "airbyte==$PYAIRBYTE_VERSION" -e ./fake_twilio || return 1
  echo "$want" > "$stamp"
}
