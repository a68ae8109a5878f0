package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrNotPublic is the one error a delivery to a refused address records,
// whatever the address and port: the attempt never reaches the network,
// so it cannot tell a merchant whether something listens there.
var ErrNotPublic = errors.New("destination is not a public address")

// specialPurpose are the blocks of the IANA IPv4 and IPv6 Special-Purpose
// Address Registries (and multicast), which are never a merchant's
// receiver. A few of them are globally reachable anycast services (AS112,
// AMT, PCP); no webhook lives there either. IPv4-mapped, NAT64 (well-known
// prefix) and 6to4 addresses are decoded before these are checked (see
// GlobalUnicast); other IPv6 outside 2000::/3 is refused as a whole.
var specialPurpose = []netip.Prefix{
	// IPv4
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("10.0.0.0/8"),         // private
	netip.MustParsePrefix("100.64.0.0/10"),      // shared address space (CGN; 100.100.100.200 metadata)
	netip.MustParsePrefix("127.0.0.0/8"),        // loopback
	netip.MustParsePrefix("169.254.0.0/16"),     // link local (169.254.169.254 metadata)
	netip.MustParsePrefix("172.16.0.0/12"),      // private
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments (DS-Lite, NAT64 discovery…)
	netip.MustParsePrefix("192.0.2.0/24"),       // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.31.196.0/24"),    // AS112-v4
	netip.MustParsePrefix("192.52.193.0/24"),    // AMT
	netip.MustParsePrefix("192.88.99.0/24"),     // deprecated 6to4 relay anycast
	netip.MustParsePrefix("192.168.0.0/16"),     // private
	netip.MustParsePrefix("192.175.48.0/24"),    // direct delegation AS112
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"),    // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),     // documentation (TEST-NET-3)
	netip.MustParsePrefix("224.0.0.0/4"),        // multicast
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved
	netip.MustParsePrefix("255.255.255.255/32"), // limited broadcast (inside 240/4)

	// IPv6
	netip.MustParsePrefix("::/128"),            // unspecified
	netip.MustParsePrefix("::1/128"),           // loopback
	netip.MustParsePrefix("::/96"),             // deprecated IPv4-compatible (::a.b.c.d)
	netip.MustParsePrefix("::ffff:0:0:0/96"),   // SIIT IPv4-translated
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use IPv4/IPv6 translation: not globally reachable
	netip.MustParsePrefix("100::/64"),          // discard-only
	netip.MustParsePrefix("100:0:0:1::/64"),    // dummy prefix
	netip.MustParsePrefix("2001::/23"),         // IETF protocol assignments (Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID…)
	netip.MustParsePrefix("2001:db8::/32"),     // documentation
	netip.MustParsePrefix("2620:4f:8000::/48"), // direct delegation AS112
	netip.MustParsePrefix("3fff::/20"),         // documentation
	netip.MustParsePrefix("5f00::/16"),         // segment routing SIDs
	netip.MustParsePrefix("fc00::/7"),          // unique local
	netip.MustParsePrefix("fe80::/10"),         // link local
	netip.MustParsePrefix("fec0::/10"),         // deprecated site local
	netip.MustParsePrefix("ff00::/8"),          // multicast
}

var (
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
)

// GlobalUnicast reports whether ip may receive webhooks in production: a
// unicast address outside every special-purpose block. IPv4-mapped
// (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::)
// addresses are judged by the IPv4 address they carry.
func GlobalUnicast(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("")
	if ip.Is6() {
		b := ip.As16()
		switch {
		case ip.Is4In6():
			ip = ip.Unmap()
		case nat64.Contains(ip):
			ip = netip.AddrFrom4([4]byte(b[12:16]))
		case sixToFour.Contains(ip):
			ip = netip.AddrFrom4([4]byte(b[2:6]))
		case !globalUnicast6.Contains(ip):
			// Everything else outside 2000::/3 (reserved, unique local,
			// link local, multicast…) is not global unicast.
			return false
		}
	}
	for _, p := range specialPurpose {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// refuseNonGlobal is the delivery dialer's Control: it runs on the address
// actually dialed, after name resolution, so a name that resolves (or is
// rebound) to an internal address is refused too. It returns ErrNotPublic
// and nothing else for any refused address.
func refuseNonGlobal(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return ErrNotPublic
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !GlobalUnicast(ip) {
		return ErrNotPublic
	}
	return nil
}

// PublicHost refuses a webhook URL whose host is not public as written:
// an address GlobalUnicast refuses, localhost or *.localhost, or an IPv4
// address written the old ways. Names are not resolved: delivery checks
// the address it dials, which also catches names resolving (or rebound)
// to internal addresses.
func PublicHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	public := host != "" && host != "localhost" && !strings.HasSuffix(host, ".localhost") && !legacyIPv4(host)
	if ip, err := netip.ParseAddr(host); err == nil {
		public = GlobalUnicast(ip)
	}
	if !public {
		return fmt.Errorf("%s is not a public address", u.Hostname())
	}
	return nil
}

// legacyIPv4 reports whether host ends in a numeric label, as IPv4
// addresses written the old ways do ("2130706433", "127.1", "0x7f.0.0.1"),
// which some resolvers still read as addresses. No DNS name ends so.
func legacyIPv4(host string) bool {
	last := host[strings.LastIndex(host, ".")+1:]
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}
