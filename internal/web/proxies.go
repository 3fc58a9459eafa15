package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// trustProxies makes the client IP (rate limits, logs, the audit log) come
// from X-Forwarded-For or X-Real-IP only when the connection comes from one
// of proxies. gin believes those headers from anyone by default, which
// would let any client pick its own IP and so escape its rate limit. It
// returns the proxies as prefixes, for X-Forwarded-Proto.
func trustProxies(r *gin.Engine, proxies []string, log *slog.Logger) []netip.Prefix {
	if err := CheckTrustedProxies(proxies); err != nil {
		log.Error("trusting no proxy", "error", err.Error())
		proxies = nil
	}
	if err := r.SetTrustedProxies(proxies); err != nil {
		log.Error("trusting no proxy", "error", err.Error())
		r.SetTrustedProxies(nil)
		return nil
	}
	var prefixes []netip.Prefix
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if prefix, err := netip.ParsePrefix(p); err == nil {
			prefixes = append(prefixes, prefix.Masked())
		} else if addr, err := netip.ParseAddr(p); err == nil {
			prefixes = append(prefixes, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
		}
	}
	return prefixes
}

// isHTTPS reports whether the client reached us over HTTPS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto. Anyone else's
// X-Forwarded-Proto is ignored.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(s.proxies) == 0 || !strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return false
	}
	addrPort, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := addrPort.Addr().Unmap()
	for _, p := range s.proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// CheckTrustedProxies reports the first entry of proxies that is neither
// an IP address nor a CIDR range.
func CheckTrustedProxies(proxies []string) error {
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err == nil {
			continue
		}
		return fmt.Errorf("trusted proxy %q is neither an IP address nor a CIDR range", p)
	}
	return nil
}
