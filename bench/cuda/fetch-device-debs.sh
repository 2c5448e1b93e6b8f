#!/usr/bin/env bash
# Downloads (here, on a Debian 12 machine) the library packages the GPU machine's image lacks,
# into .devdeps/ for the device tool to carry: yaml-cpp, fmt, CLI11, nlohmann-json, GoogleTest,
# PCRE2 and libcurl with its run-time libraries (~11 MB). device_check.sh unpacks them with
# dpkg -x into a prefix of their own and builds against it where the system has none.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .devdeps && cd .devdeps
apt-get download googletest libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libfmt-dev libfmt9 \
  libyaml-cpp-dev libyaml-cpp0.7 libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 \
  libcurl4-openssl-dev libcurl4 libbrotli1 libcom-err2 libgssapi-krb5-2 libidn2-0 libk5crypto3 libkeyutils1 \
  libkrb5-3 libkrb5support0 libldap-2.5-0 libnghttp2-14 libpsl5 librtmp1 libsasl2-2 libssh2-1 libssl3 \
  libunistring2 libzstd1 zlib1g libgnutls30 libhogweed6 libnettle8 libgmp10 libp11-kit0 libtasn1-6 libffi8 >&2
du -sh . >&2
