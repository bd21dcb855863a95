# Shared by the scripts in this folder: a virtualenv with the connector and its test dependencies, and the fake
# Twilio (fake_twilio/, a development-only distribution of its own, so that the connector's wheel holds
# source_twilio alone).
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  # The stamp skips a reinstall when nothing that decides the install changed.
  local stamp="$VENV/.installed" want
  want=$(cat pyproject.toml fake_twilio/pyproject.toml constraints.txt 2>/dev/null | sha256sum | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing source-twilio and its test dependencies into $VENV (about a minute)..." >&2
    if ! { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip &&
           "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]" -e ./fake_twilio; } \
         > "$VENV/install.log" 2>&1; then
      cat "$VENV/install.log" >&2
      return 1
    fi
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
  echo "Installing airbyte-cdk alone into $CDK_VENV (about a minute)..." >&2
  "$PYTHON" -m venv "$CDK_VENV"
  if ! "$CDK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt airbyte-cdk \
       > "$CDK_VENV/install.log" 2>&1; then
    cat "$CDK_VENV/install.log" >&2
    return 1
  fi
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
  echo "Installing PyAirbyte $PYAIRBYTE_VERSION into $PYAIRBYTE_VENV (about two minutes)..." >&2
  "$PYTHON" -m venv "$PYAIRBYTE_VENV"
  if ! "$PYAIRBYTE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "airbyte==$PYAIRBYTE_VERSION" -e ./fake_twilio \
       > "$PYAIRBYTE_VENV/install.log" 2>&1; then
    cat "$PYAIRBYTE_VENV/install.log" >&2
    return 1
  fi
  echo "$want" > "$stamp"
}
