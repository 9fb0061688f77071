#!/usr/bin/env bash
# Runs every test (README's test command). The client suites drive moltdb with stock clients,
# so this first installs what they need when it is missing: sysbench, the mariadb CLI and the
# C client library (Debian packages), and the Python drivers in target/clients-venv (pinned in
# tests/clients/requirements.txt). Arguments go to `cargo test`; without any, the storage
# tests run once more on the sled engine.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v sysbench >/dev/null || missing+=(sysbench)
command -v mariadb >/dev/null || missing+=(mariadb-client)
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists libmariadb 2>/dev/null || missing+=(libmariadb-dev)
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv=target/clients-venv
requirements=tests/clients/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    echo "setting up $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi
export MOLTDB_PYTHON="$PWD/$venv/bin/python"

cargo test "$@"
# fjall is the default engine; sled stays supported: its sqllogictest files, crash and restart
# tests again on sled (the engine conformance suite in `cargo test --lib` covers both).
if [ $# -eq 0 ]; then
    MOLTDB_TEST_ENGINE=sled cargo test --test slt --test restart --test ddl_restart --test transactions
fi
