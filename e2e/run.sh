#!/usr/bin/env bash
# e2e/run.sh: the end-to-end run behind `make e2e`.
#
# Installs VictoriaLogs (a real log database) and vmalert (its alerting rule
# engine) with go install, builds the OpenTelemetry Collector of e2e/collector
# (cached, rebuilt only when its sources change), starts VictoriaLogs on a free
# loopback port with a throw-away data directory, runs every test of the e2e
# module with VLOGS_URL, VMALERT_BIN and OTELCOL_BIN set, and always stops
# VictoriaLogs by PID (the tests start and stop their own Collectors and
# vmalerts). The exit code is the tests'. Extra arguments go to `go test`
# (bash e2e/run.sh -run Bulk -v).
#
# Environment:
#   VLOGS_BIN_DIR  where the victoria-logs, vmalert and otelcol-auditkit
#                  binaries are installed and reused (default: e2e/.bin,
#                  gitignored)
set -euo pipefail

VLOGS_MODULE=github.com/VictoriaMetrics/VictoriaLogs
VLOGS_VERSION=v1.52.1
# vmalert lives in the VictoriaMetrics module. v1.151.0 is the newest release
# that builds with Go 1.26; later ones need a newer Go.
VMALERT_MODULE=github.com/VictoriaMetrics/VictoriaMetrics
VMALERT_VERSION=v1.151.0

e2e_dir=$(cd "$(dirname "$0")" && pwd)
bin_dir=${VLOGS_BIN_DIR:-$e2e_dir/.bin}
vlogs_bin=$bin_dir/victoria-logs
vmalert_bin=$bin_dir/vmalert

log() { printf 'e2e: %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# --- install -------------------------------------------------------------
# A go-installed victoria-logs or vmalert prints an empty -version (the
# release version is set by the project's Makefile through -ldflags), so the
# module version recorded in the binary's build info is what identifies it.
# module_version BIN MODULE: the version of MODULE BIN was built from, if any.
module_version() {
	[ -x "$1" ] || return 0
	go version -m "$1" 2>/dev/null |
		awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }' || true
}

# go_install NAME BIN MODULE VERSION PACKAGE: go install PACKAGE@VERSION into
# bin_dir unless BIN already is MODULE at VERSION; logs how long it took.
go_install() {
	local name=$1 bin=$2 module=$3 version=$4 pkg=$5 t0 got
	t0=$(now)
	if [ "$(module_version "$bin" "$module")" = "$version" ]; then
		log "$name $version already installed in $bin_dir"
	else
		log "installing $name $version into $bin_dir (a cold install takes minutes)"
		mkdir -p "$bin_dir"
		rm -f "$bin" # go install will not replace a file that is not a Go binary
		GOBIN=$bin_dir CGO_ENABLED=0 go install "$pkg@$version"
		got=$(module_version "$bin" "$module")
		if [ "$got" != "$version" ]; then
			log "installed $name reports module version '$got', want $version"
			exit 1
		fi
	fi
	log "$name install: $(since "$t0")"
}

go_install victoria-logs "$vlogs_bin" "$VLOGS_MODULE" "$VLOGS_VERSION" "$VLOGS_MODULE/app/victoria-logs"
go_install vmalert "$vmalert_bin" "$VMALERT_MODULE" "$VMALERT_VERSION" "$VMALERT_MODULE/app/vmalert"

# --- collector -----------------------------------------------------------------
# e2e/collector is a module of its own whose main.go is an OpenTelemetry
# Collector (OTLP receiver, file and debug exporters, v0.161.0). The binary is
# rebuilt only when the hash of its go.mod, go.sum and main.go (and the Go
# version) differs from the one written beside it by the last build.
col_dir=$e2e_dir/collector
col_bin=$bin_dir/otelcol-auditkit
col_key_file=$col_bin.key
col_key=$(
	cd "$col_dir"
	{ cat go.mod go.sum main.go; go env GOVERSION; } | sha256sum | cut -d' ' -f1
)

t0=$(now)
if [ -x "$col_bin" ] && [ "$(cat "$col_key_file" 2>/dev/null)" = "$col_key" ]; then
	log "otelcol-auditkit up to date in $bin_dir (key ${col_key:0:12})"
else
	log "building otelcol-auditkit into $bin_dir (key ${col_key:0:12}; a cold build takes minutes)"
	mkdir -p "$bin_dir"
	rm -f "$col_key_file"
	if ! (cd "$col_dir" && CGO_ENABLED=0 go build -trimpath -o "$col_bin.tmp" .); then
		rm -f "$col_bin.tmp"
		log "building otelcol-auditkit failed after $(since "$t0")"
		exit 1
	fi
	mv -f "$col_bin.tmp" "$col_bin"
	printf '%s\n' "$col_key" >"$col_key_file"
	log "otelcol-auditkit built in $(since "$t0")"
fi
col_bin=$(cd "$bin_dir" && pwd)/otelcol-auditkit # absolute: go test runs in each package's directory

# --- start -------------------------------------------------------------------
data_dir=$(mktemp -d "${TMPDIR:-/tmp}/auditkit-e2e-vlogs.XXXXXX")
vl_log=$data_dir.log
vl_pid=
test_pid=

stop_vlogs() {
	if [ -n "$vl_pid" ] && kill -0 "$vl_pid" 2>/dev/null; then
		kill "$vl_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$vl_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$vl_pid" 2>/dev/null; then
			log "victoria-logs (pid $vl_pid) ignored SIGTERM for 5s: SIGKILL"
			kill -9 "$vl_pid" 2>/dev/null || true
		fi
		wait "$vl_pid" 2>/dev/null || true
	fi
	vl_pid=
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	rc=$?
	if [ -n "$test_pid" ]; then
		kill "$test_pid" 2>/dev/null || true
		wait "$test_pid" 2>/dev/null || true
	fi
	stop_vlogs
	if [ "$rc" -ne 0 ] && [ -s "$vl_log" ]; then
		log "exit $rc; last lines of the victoria-logs log:"
		tail -n 30 "$vl_log" >&2 || true
	fi
	rm -rf "$data_dir" "$vl_log"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# healthy PORT: GET /health answers OK.
healthy() {
	# shellcheck disable=SC2016 # $1 expands in the inner shell
	timeout 2 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
		grep -q "^OK" <&3' _ "$1" 2>/dev/null
}

t0=$(now)
port=
# Another process may take the port between the check and the bind: then
# victoria-logs exits at once and the next random port is tried.
for attempt in 1 2 3 4 5; do
	candidate=$((20000 + RANDOM % 40000))
	port_in_use "$candidate" && continue
	"$vlogs_bin" \
		-httpListenAddr="127.0.0.1:$candidate" \
		-storageDataPath="$data_dir" \
		-retentionPeriod=100y \
		-memory.allowedBytes=256MiB \
		>"$vl_log" 2>&1 &
	vl_pid=$!
	deadline=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! kill -0 "$vl_pid" 2>/dev/null; then
			break
		fi
		if healthy "$candidate" && kill -0 "$vl_pid" 2>/dev/null; then
			port=$candidate
			break 2
		fi
		sleep 0.1
	done
	log "victoria-logs did not become healthy on port $candidate (attempt $attempt):"
	tail -n 5 "$vl_log" >&2 || true
	stop_vlogs
done
if [ -z "$port" ]; then
	log "could not start victoria-logs"
	exit 1
fi
log "victoria-logs pid $vl_pid on 127.0.0.1:$port healthy after $(since "$t0")"

# --- test --------------------------------------------------------------------
export VLOGS_URL=http://127.0.0.1:$port
export E2E_REQUIRE=1
# e2e/lokiinit runs the generated LogsQL recipes against a VictoriaLogs of
# its own, started from this binary.
export VICTORIA_LOGS=$vlogs_bin
# e2e/internal/otelcol starts this Collector binary for the tests that use it.
export OTELCOL_BIN=$col_bin
# e2e/internal/vmalert runs this vmalert against VLOGS_URL (absolute, like
# OTELCOL_BIN).
VMALERT_BIN=$(cd "$bin_dir" && pwd)/vmalert
export VMALERT_BIN

t0=$(now)
# go test runs in the background so that a signal to this script runs the
# EXIT trap at once (bash runs traps only between foreground commands).
(cd "$e2e_dir" && exec go test -count=1 -timeout=4m "$@" ./...) &
test_pid=$!
set +e
wait "$test_pid"
rc=$?
set -e
test_pid=
log "go test: exit $rc after $(since "$t0")"
exit "$rc"
