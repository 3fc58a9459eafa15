package webhooks

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Targets decides which addresses webhooks may reach: public ones only,
// unless AllowPrivate (serve --webhook-allow-private) lets them reach
// loopback and private networks too.
type Targets struct {
	AllowPrivate bool
	// Resolver looks hosts up when a webhook is registered; nil is the
	// system's.
	Resolver *net.Resolver
}

// nonPublic are ranges that no public receiver is in, beyond what netip
// knows as loopback, private, link-local, multicast and unspecified.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may lead anywhere, inner networks too
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// Public reports whether ip is an address on the public internet.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Check refuses a webhook URL whose host is, or resolves to, an address
// that is not public (unless private ones are allowed), as a field error
// on "url".
func (t Targets) Check(ctx context.Context, rawURL string) error {
	if t.AllowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return urlProblem("must be an absolute http or https URL")
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !Public(ip) {
			return urlProblem(fmt.Sprintf("points at %s, a loopback, private or reserved address; the server refuses those unless started with --webhook-allow-private", ip))
		}
		return nil
	}
	resolver := t.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return urlProblem(fmt.Sprintf("names the host %q, which does not resolve", host))
	}
	for _, ip := range addrs {
		if !Public(ip) {
			return urlProblem(fmt.Sprintf("names %q, which resolves to %s, a loopback, private or reserved address; the server refuses those unless started with --webhook-allow-private", host, ip.Unmap()))
		}
	}
	return nil
}

func urlProblem(msg string) error {
	return &incident.Error{Code: incident.EINVALID, Message: "The webhook cannot be used.", Fields: map[string]string{"url": msg}}
}

// errRefusedAddress is a connection the dialer would not make.
type errRefusedAddress struct{ addr string }

func (e errRefusedAddress) Error() string {
	return fmt.Sprintf("refused to connect to %s: not a public address (see --webhook-allow-private)", e.addr)
}

// Dialer connects to public addresses only, unless private ones are
// allowed. The check is made on the address being connected to, after
// every lookup, so that a host that resolved to a public address when the
// webhook was made and resolves to an inner one now is refused too.
func (t Targets) Dialer(timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !t.AllowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !Public(ap.Addr()) {
				return errRefusedAddress{address}
			}
			return nil
		}
	}
	return d
}
