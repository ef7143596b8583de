#!/bin/sh
# Make sure the Debian packages ubee needs are installed: install them when
# running as root with apt-get, otherwise name them and fail.
# The list is kept here only; docs/DEPENDENCIES.md says why each is used.
set -u
need=""
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_hdr() { [ -e "/usr/include/$1" ]; }
have_cmd make || need="$need make"
have_cmd cc || need="$need gcc"
have_cmd clang-19 || need="$need clang-19"
have_cmd llvm-objdump-19 || need="$need llvm-19"
have_cmd ld.lld-19 || need="$need lld-19"
have_hdr bpf/bpf_helpers.h || need="$need libbpf-dev"
have_hdr capstone/capstone.h || need="$need libcapstone-dev"
have_hdr x86_64-linux-gnu/asm/types.h || have_hdr asm/types.h || need="$need linux-libc-dev"
have_cmd python3 || need="$need python3"
# Packet captures (libpcap: pcap files, tcpdump filters) and the packet
# path tests (tcpdump as the reference, ip for namespaces and veth).
have_hdr pcap/pcap.h || need="$need libpcap-dev"
have_cmd tcpdump || need="$need tcpdump"
have_cmd ip || need="$need iproute2"
# libFuzzer's runtime, for make fuzz / fuzz-ci (clang-19 only recommends it).
have_cmd clang-19 && [ -e "$(clang-19 -print-file-name=libclang_rt.fuzzer-x86_64.a)" ] ||
	need="$need libclang-rt-19-dev"
have_cmd pkg-config || need="$need pkg-config"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && have_cmd apt-get; then
	echo "deps: installing$need" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends $need >/dev/null 2>&1; then
		apt-get update -q >/dev/null 2>&1
		apt-get install -y -q --no-install-recommends $need >&2 || exit 1
	fi
	exit 0
fi
echo "deps: missing Debian packages:$need" >&2
echo "deps: install them with: sudo apt-get install$need" >&2
exit 1
