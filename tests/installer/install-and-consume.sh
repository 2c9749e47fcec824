#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build into a temporary prefix, then configures, builds and runs a library
# user's project against it with find_package(JobPool): the installed headers, libraries
# and CMake package must be enough on their own.
# Usage: install-and-consume.sh BUILD_DIR CONSUMER_SOURCE_DIR [EXTRA_CXX_FLAGS]
set -euo pipefail
build=$1
consumer=$2
flags=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
for f in bin/jobpool bin/jobpool-worker include/jobpool/jobpool.h include/jobpool/version.h \
         include/jobpool/widgets/mainwindow.h share/applications/org.jobpool.JobPool.desktop \
         share/metainfo/org.jobpool.JobPool.metainfo.xml share/man/man1/jobpool.1 \
         share/icons/hicolor/scalable/apps/jobpool.svg share/icons/hicolor/48x48/apps/jobpool.png \
         share/jobpool/translations/jobpool_zh_CN.qm; do
    [[ -e "$work/prefix/$f" ]] || { echo "not installed: $f" >&2; exit 1; }
done
ls "$work"/prefix/lib*/cmake/JobPool/JobPoolConfig.cmake >/dev/null

# The installed programs run from there (RPATH $ORIGIN/../lib…).
"$work/prefix/bin/jobpool" --version

cmake -S "$consumer" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/consumer" >/dev/null
output=$("$work/consumer/squares")
echo "squares: $output"
[[ "$output" == "1 4 9 16 " ]]
