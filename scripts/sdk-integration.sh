#!/usr/bin/env bash
# Runs the OSS SDK's own integration tests against an osstest server.
#
# The SDK (github.com/aliyun/alibabacloud-oss-go-sdk-v2, at the version the
# root go.mod requires) is copied from the module cache into a temporary
# directory and tested there, so nothing of this repository changes; its
# test dependencies come through the Go module proxy. An osstestd server is
# started on a free loopback port and the SDK's tests are pointed at it with
# OSS_TEST_ENDPOINT, OSS_TEST_REGION, OSS_TEST_ACCESS_KEY_ID and
# OSS_TEST_ACCESS_KEY_SECRET.
#
# Environment:
#   OSSTEST_SDK_RUN         the -run pattern (default: the tests that pass,
#                           every one of which must then run and pass)
#   OSSTEST_SDK_SIGNATURES  signature versions to run with (default: "v4 v1")
#   OSSTEST_SDK_VERBOSE     set to 1 to print the tests' full output
#
# Needs only Go. Exits non-zero if a test fails, or if a test of the
# expected list did not run (an SDK upgrade that renames or drops tests
# would otherwise pass by running none), or if a pattern of one's own ran
# no test.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sdk=github.com/aliyun/alibabacloud-oss-go-sdk-v2

# The tests known to pass against osstest. See the osstest report for the
# SDK tests that do not, and why.
passing=(
	# Appendable objects.
	TestAppendObject TestClientAppendFile TestSealAppendObject
	# Objects.
	TestHeadObject TestGetObject TestGetObjectMeta TestDeleteObject TestDeleteMultipleObjects
	TestPutObjectAcl TestGetObjectAcl TestGetObjectToFileV2 TestDownloaderTruncate
	TestEncryptionClient TestClientExtension
	# Multipart uploads and what is built on them.
	TestInitiateMultipartUpload TestUploadPart TestAbortMultipartUpload TestListParts
	TestListMultipartUploads TestUploaderWithSequential TestUploaderUploadFromTeeReader
	TestCopierWithNoCheckSSEFlags TestCopierWithNoCheckCrossBucketFlags
	TestIntegrationWriteOnlyFileMultiPart TestIntegrationWriteOnlyFileResume
	TestIntegrationWriteOnlyFileResumeNoSuchUpload TestIntegrationWriteOnlyFileResumeInvalidCheckpoint
	TestIntegrationWriteOnlyFileInvalidCredentials
	# Buckets and listings.
	TestListBuckets TestPutBucket TestDeleteBucket TestListObjects TestListObjectsV2
	TestGetBucketLocation TestGetBucketStat TestPutBucketAcl TestGetBucketAcl TestBucketTags
	# Presigned URLs and the client at large.
	TestPresign TestPresignExtra TestInvokeOperation TestServiceError TestPaginator TestDefaultRequestHeaders
)
default_run="^($(
	IFS='|'
	echo "${passing[*]}"
))\$"
run=${OSSTEST_SDK_RUN:-$default_run}
signatures=${OSSTEST_SDK_SIGNATURES:-v4 v1}

work=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
version=$(go list -m -f '{{.Version}}' "$sdk")
sdk_dir=$(go mod download -json "$sdk@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [[ -z $sdk_dir || ! -d $sdk_dir ]]; then
	echo "sdk-integration: cannot find $sdk@$version in the module cache" >&2
	exit 1
fi
cp -R "$sdk_dir" "$work/sdk"
chmod -R u+w "$work/sdk"
go build -o "$work/osstestd" ./osstest/cmd/osstestd

"$work/osstestd" -print-env >"$work/env" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
	grep -q '^OSS_TEST_ACCESS_KEY_SECRET=' "$work/env" 2>/dev/null && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "sdk-integration: osstestd exited:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
set -a
# shellcheck disable=SC1091
source "$work/env"
set +a
echo "sdk-integration: $sdk@$version against osstest at $OSS_TEST_ENDPOINT"

cd "$work/sdk"
status=0
for sig in $signatures; do
	log="$work/test-$sig.log"
	echo "sdk-integration: signature $sig, -run '$run'"
	if OSS_TEST_SIGNATURE_VERSION=$sig go test -tags integration -count=1 -v -timeout 10m \
		-run "$run" ./oss >"$log" 2>&1; then
		:
	else
		status=1
	fi
	if [[ ${OSSTEST_SDK_VERBOSE:-0} == 1 ]]; then
		cat "$log"
	fi
	grep -E '^--- (PASS|FAIL|SKIP)' "$log" | sed "s/^/  [$sig] /" || true
	if ! grep -qE '^--- (PASS|FAIL)' "$log"; then
		tail -n 40 "$log"
	fi
	passed=$(grep -c '^--- PASS' "$log" || true)
	failed=$(grep -c '^--- FAIL' "$log" || true)
	echo "sdk-integration: signature $sig: $passed passed, $failed failed"
	# A test that did not run proves nothing: with the default pattern
	# each expected test must have passed, with another at least one.
	if [[ -z ${OSSTEST_SDK_RUN:-} ]]; then
		missing=()
		for name in "${passing[@]}"; do
			if ! grep -qE "^--- PASS: $name \(" "$log"; then
				missing+=("$name")
			fi
		done
		if ((${#missing[@]} > 0)); then
			echo "sdk-integration: signature $sig: ${#missing[@]} of ${#passing[@]} expected tests did not pass: ${missing[*]}" >&2
			status=1
		fi
	elif ((passed == 0)); then
		echo "sdk-integration: signature $sig: -run '$run' ran no test" >&2
		status=1
	fi
	if [[ $status != 0 && ${OSSTEST_SDK_VERBOSE:-0} != 1 ]]; then
		grep -E 'Error Trace|Error:|expected|actual' "$log" | head -n 60 || true
	fi
done
exit $status
