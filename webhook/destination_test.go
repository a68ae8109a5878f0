package webhook

import (
	"net/netip"
	"testing"
)

// destinations: every special-purpose block, inside and at its edges,
// with the public neighbours that must pass, and IPv4-mapped, NAT64 and
// 6to4 forms of both public and internal addresses. Nothing here is
// dialed.
var destinations = []struct {
	addr   string
	public bool
	block  string
}{
	// Public addresses.
	{"8.8.8.8", true, ""},
	{"1.1.1.1", true, ""},
	{"9.9.9.9", true, ""},
	{"2606:4700:4700::1111", true, ""},
	{"2001:4860:4860::8888", true, ""},
	{"2400:cb00::1", true, ""},

	{"0.0.0.0", false, "0.0.0.0/8"},
	{"0.255.255.255", false, "0.0.0.0/8"},
	{"1.0.0.0", true, "after 0.0.0.0/8"},
	{"9.255.255.255", true, "before 10.0.0.0/8"},
	{"10.0.0.0", false, "10.0.0.0/8"},
	{"10.255.255.255", false, "10.0.0.0/8"},
	{"11.0.0.0", true, "after 10.0.0.0/8"},
	{"100.63.255.255", true, "before 100.64.0.0/10"},
	{"100.64.0.0", false, "100.64.0.0/10"},
	{"100.100.100.200", false, "100.64.0.0/10 (metadata)"},
	{"100.127.255.255", false, "100.64.0.0/10"},
	{"100.128.0.0", true, "after 100.64.0.0/10"},
	{"126.255.255.255", true, "before 127.0.0.0/8"},
	{"127.0.0.1", false, "127.0.0.0/8"},
	{"127.255.255.255", false, "127.0.0.0/8"},
	{"128.0.0.0", true, "after 127.0.0.0/8"},
	{"169.253.255.255", true, "before 169.254.0.0/16"},
	{"169.254.0.0", false, "169.254.0.0/16"},
	{"169.254.169.254", false, "169.254.0.0/16 (metadata)"},
	{"169.254.255.255", false, "169.254.0.0/16"},
	{"169.255.0.0", true, "after 169.254.0.0/16"},
	{"172.15.255.255", true, "before 172.16.0.0/12"},
	{"172.16.0.0", false, "172.16.0.0/12"},
	{"172.31.255.255", false, "172.16.0.0/12"},
	{"172.32.0.0", true, "after 172.16.0.0/12"},
	{"191.255.255.255", true, "before 192.0.0.0/24"},
	{"192.0.0.0", false, "192.0.0.0/24"},
	{"192.0.0.170", false, "192.0.0.0/24 (NAT64 discovery)"},
	{"192.0.0.255", false, "192.0.0.0/24"},
	{"192.0.1.0", true, "between 192.0.0.0/24 and 192.0.2.0/24"},
	{"192.0.2.0", false, "192.0.2.0/24"},
	{"192.0.2.255", false, "192.0.2.0/24"},
	{"192.0.3.0", true, "after 192.0.2.0/24"},
	{"192.31.196.1", false, "192.31.196.0/24"},
	{"192.52.193.1", false, "192.52.193.0/24"},
	{"192.88.98.255", true, "before 192.88.99.0/24"},
	{"192.88.99.0", false, "192.88.99.0/24"},
	{"192.88.99.255", false, "192.88.99.0/24"},
	{"192.88.100.0", true, "after 192.88.99.0/24"},
	{"192.167.255.255", true, "before 192.168.0.0/16"},
	{"192.168.0.0", false, "192.168.0.0/16"},
	{"192.168.255.255", false, "192.168.0.0/16"},
	{"192.169.0.0", true, "after 192.168.0.0/16"},
	{"192.175.48.1", false, "192.175.48.0/24"},
	{"198.17.255.255", true, "before 198.18.0.0/15"},
	{"198.18.0.0", false, "198.18.0.0/15"},
	{"198.19.255.255", false, "198.18.0.0/15"},
	{"198.20.0.0", true, "after 198.18.0.0/15"},
	{"198.51.99.255", true, "before 198.51.100.0/24"},
	{"198.51.100.0", false, "198.51.100.0/24"},
	{"198.51.100.255", false, "198.51.100.0/24"},
	{"198.51.101.0", true, "after 198.51.100.0/24"},
	{"203.0.112.255", true, "before 203.0.113.0/24"},
	{"203.0.113.0", false, "203.0.113.0/24"},
	{"203.0.113.255", false, "203.0.113.0/24"},
	{"203.0.114.0", true, "after 203.0.113.0/24"},
	{"223.255.255.255", true, "before 224.0.0.0/4"},
	{"224.0.0.0", false, "224.0.0.0/4"},
	{"239.255.255.255", false, "224.0.0.0/4"},
	{"240.0.0.0", false, "240.0.0.0/4"},
	{"255.255.255.254", false, "240.0.0.0/4"},
	{"255.255.255.255", false, "255.255.255.255/32"},

	{"::", false, "::/128"},
	{"::1", false, "::1/128"},
	{"::2", false, "::/8 reserved"},
	{"::8.8.8.8", false, "::/96 IPv4-compatible (deprecated)"},
	{"::127.0.0.1", false, "::/96 IPv4-compatible (deprecated)"},
	{"::ffff:127.0.0.1", false, "::ffff:0:0/96 mapped 127.0.0.1"},
	{"::ffff:10.1.2.3", false, "::ffff:0:0/96 mapped 10.1.2.3"},
	{"::ffff:100.100.100.200", false, "::ffff:0:0/96 mapped metadata"},
	{"::ffff:0.0.0.0", false, "::ffff:0:0/96 mapped 0.0.0.0"},
	{"::ffff:8.8.8.8", true, "::ffff:0:0/96 mapped 8.8.8.8"},
	{"::ffff:0:7f00:1", false, "::ffff:0:0:0/96 IPv4-translated"},
	{"::ffff:0:808:808", false, "::ffff:0:0:0/96 IPv4-translated"},
	{"64:ff9b::7f00:1", false, "64:ff9b::/96 NAT64 of 127.0.0.1"},
	{"64:ff9b::a00:1", false, "64:ff9b::/96 NAT64 of 10.0.0.1"},
	{"64:ff9b::c0a8:101", false, "64:ff9b::/96 NAT64 of 192.168.1.1"},
	{"64:ff9b::6464:64c8", false, "64:ff9b::/96 NAT64 of 100.100.100.200"},
	{"64:ff9b::a9fe:a9fe", false, "64:ff9b::/96 NAT64 of 169.254.169.254"},
	{"64:ff9b::c612:1", false, "64:ff9b::/96 NAT64 of 198.18.0.1"},
	{"64:ff9b::808:808", true, "64:ff9b::/96 NAT64 of 8.8.8.8"},
	{"64:ff9b::101:101", true, "64:ff9b::/96 NAT64 of 1.1.1.1"},
	{"64:ff9b::1:0:0:0", false, "after 64:ff9b::/96: ::/8 reserved"},
	{"64:ff9b:1::", false, "64:ff9b:1::/48 local-use NAT64"},
	{"64:ff9b:1::808:808", false, "64:ff9b:1::/48 local-use NAT64"},
	{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false, "64:ff9b:1::/48 local-use NAT64"},
	{"100::", false, "100::/64 discard-only"},
	{"100::ffff:ffff:ffff:ffff", false, "100::/64 discard-only"},
	{"100:0:0:1::1", false, "100:0:0:1::/64 dummy"},
	{"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "before 2000::/3"},
	{"2000::1", true, "2000::/3"},
	{"2001::", false, "2001::/23 (Teredo 2001::/32)"},
	{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false, "2001::/32 Teredo"},
	{"2001:2::1", false, "2001:2::/48 benchmarking"},
	{"2001:20::1", false, "2001:20::/28 ORCHIDv2"},
	{"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false, "2001::/23"},
	{"2001:200::1", true, "after 2001::/23"},
	{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true, "before 2001:db8::/32"},
	{"2001:db8::", false, "2001:db8::/32"},
	{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false, "2001:db8::/32"},
	{"2001:db9::", true, "after 2001:db8::/32"},
	{"2002::", false, "2002::/16 6to4 of 0.0.0.0"},
	{"2002:7f00:1::1", false, "2002::/16 6to4 of 127.0.0.1"},
	{"2002:a00:1::", false, "2002::/16 6to4 of 10.0.0.1"},
	{"2002:6464:64c8::1", false, "2002::/16 6to4 of 100.100.100.200"},
	{"2002:c000:2::", false, "2002::/16 6to4 of 192.0.0.2"},
	{"2002:f000::", false, "2002::/16 6to4 of 240.0.0.0"},
	{"2002:808:808::1", true, "2002::/16 6to4 of 8.8.8.8"},
	{"2620:4f:7fff:ffff::", true, "before 2620:4f:8000::/48"},
	{"2620:4f:8000::1", false, "2620:4f:8000::/48 AS112"},
	{"2620:4f:8001::", true, "after 2620:4f:8000::/48"},
	{"3ffe:ffff::1", true, "before 3fff::/20"},
	{"3fff::", false, "3fff::/20 documentation"},
	{"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false, "3fff::/20 documentation"},
	{"3fff:1000::", true, "after 3fff::/20"},
	{"4000::1", false, "after 2000::/3"},
	{"5f00::1", false, "5f00::/16 SRv6 SIDs"},
	{"fc00::", false, "fc00::/7"},
	{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "fc00::/7"},
	{"fe80::1", false, "fe80::/10"},
	{"fe80::1%eth0", false, "fe80::/10 with a zone"},
	{"febf:ffff::", false, "fe80::/10"},
	{"fec0::1", false, "fec0::/10 site local (deprecated)"},
	{"ff02::1", false, "ff00::/8"},
	{"ff0e::1", false, "ff00::/8"},
	{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "ff00::/8"},
}

// TestGlobalUnicast: the predicate refuses every special-purpose block,
// decoded forms included, and passes public addresses.
func TestGlobalUnicast(t *testing.T) {
	for _, d := range destinations {
		ip := netip.MustParseAddr(d.addr)
		if got := GlobalUnicast(ip); got != d.public {
			t.Errorf("GlobalUnicast(%s) = %v, want %v (%s)", d.addr, got, d.public, d.block)
		}
	}
	if GlobalUnicast(netip.Addr{}) {
		t.Error("the zero Addr passes")
	}
}

// TestDialControl calls the delivery dialer's Control as the dialer does,
// with the address about to be dialed: a refused address gives
// ErrNotPublic itself, the same whatever the host and port; a public one
// passes.
func TestDialControl(t *testing.T) {
	ports := []string{"1", "22", "80", "443", "5432", "65535"}
	for i, d := range destinations {
		ip := netip.MustParseAddr(d.addr)
		address := netip.AddrPortFrom(ip, 0).String()
		address = address[:len(address)-1] + ports[i%len(ports)]
		err := refuseNonGlobal("tcp", address, nil)
		switch {
		case d.public && err != nil:
			t.Errorf("%s (%s) refused: %v", address, d.block, err)
		case !d.public && err != ErrNotPublic:
			t.Errorf("%s (%s): %v, want ErrNotPublic", address, d.block, err)
		}
	}
	for _, address := range []string{"", "10.0.0.1", "nonsense:80", "localhost:80", "[::1%lo]:8080", "[fe80::1%eth0]:443"} {
		if err := refuseNonGlobal("tcp", address, nil); err != ErrNotPublic {
			t.Errorf("%q: %v, want ErrNotPublic", address, err)
		}
	}
	if ErrNotPublic.Error() != "destination is not a public address" {
		t.Errorf("ErrNotPublic = %q", ErrNotPublic)
	}
}
