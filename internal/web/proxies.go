package web

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// trustProxies makes the client IP (rate limits, logs) come from
// X-Forwarded-For or X-Real-IP only when the connection comes from one of
// proxies. gin believes those headers from anyone by default, which would
// let any client pick its own IP and so escape its rate limit.
func trustProxies(r *gin.Engine, proxies []string, log *slog.Logger) {
	if err := CheckTrustedProxies(proxies); err != nil {
		log.Error("trusting no proxy", "error", err.Error())
		proxies = nil
	}
	if err := r.SetTrustedProxies(proxies); err != nil {
		log.Error("trusting no proxy", "error", err.Error())
		r.SetTrustedProxies(nil)
	}
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
