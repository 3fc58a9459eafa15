package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

const (
	requestIDKey    = "request_id"
	loggerKey       = "logger"
	requestIDHeader = "X-Request-ID"
	// MaxBodyBytes caps every request body.
	MaxBodyBytes = 1 << 20
)

// A client may pass its own request id if it is short and plain.
var acceptableRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID gives every request an id, echoed in the X-Request-ID
// header, the error body and every log line about the request.
func withRequestID(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !acceptableRequestID.MatchString(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Set(loggerKey, base.With("request_id", id))
		c.Header(requestIDHeader, id)
		c.Next()
	}
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// logRequests writes one structured line per request.
func logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	logger(c).Log(c.Request.Context(), level, "request",
		"method", c.Request.Method,
		"route", c.FullPath(),
		"path", c.Request.URL.Path,
		"status", status,
		"bytes", c.Writer.Size(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"remote", c.ClientIP(),
	)
}

// recoverPanics turns a panic into a 500 in the error shape. The stack goes
// to the log, never to the client.
func recoverPanics(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r) // the client went away; let net/http handle it
			}
			logger(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if c.Writer.Written() {
				c.Abort()
				return
			}
			writeError(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// limitBody caps request bodies; decoding past the cap fails with 413.
func limitBody(c *gin.Context) {
	if c.Request.ContentLength > MaxBodyBytes {
		writeError(c, tooLarge())
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	c.Next()
}

func tooLarge() error {
	return incident.Errorf(incident.ETOOLARGE, "The request body is larger than %d bytes.", MaxBodyBytes)
}

// contentSecurityPolicy allows scripts, styles and images from this
// server only: no inline script or style, no frames, no plugins.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// setSecurityHeaders puts safe defaults on an answer before anything else
// runs, so that every answer has them. HSTS only over HTTPS: sent over
// plain HTTP it would be ignored, and it must not lock a plain-HTTP
// deployment out.
func setSecurityHeaders(h http.Header, https bool) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if https {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// noStore keeps answers that depend on who asks out of shared caches and
// the browser's history cache.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

const pageKey = "page"

// markPage makes errors on this route pages rather than JSON.
func markPage(c *gin.Context) {
	c.Set(pageKey, true)
	c.Next()
}

func isPage(c *gin.Context) bool { return c.GetBool(pageKey) }

// requireContentType refuses a body of another type than the route takes
// (415): the JSON API takes JSON only, which also keeps a cross-site form
// from posting to it; an empty body is the handler's to refuse.
func requireContentType(kind bodyKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength == 0 || safeMethod(c.Request.Method) || c.Request.Method == http.MethodDelete {
			c.Next()
			return
		}
		mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
		var ok bool
		var want string
		switch kind {
		case jsonBody:
			ok, want = mediaType == "application/json" || strings.HasPrefix(mediaType, "application/") && strings.HasSuffix(mediaType, "+json"), "application/json"
		case markdownBody:
			ok, want = mediaType == "text/markdown" || mediaType == "text/x-markdown", "text/markdown"
		case yamlBody:
			ok, want = slices.Contains([]string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}, mediaType), "application/yaml"
		case formBody:
			ok, want = mediaType == "application/x-www-form-urlencoded" || mediaType == "multipart/form-data", "an HTML form"
		}
		if err != nil || !ok {
			writeError(c, incident.Errorf(incident.EUNSUPPORTED, "This takes %s as its body.", want))
			return
		}
		c.Next()
	}
}

// newCrossOriginProtection is Go's CSRF defence: an unsafe request that a
// browser sends from another origin (by Sec-Fetch-Site, or Origin against
// Host) is refused, whatever its content type.
func newCrossOriginProtection(trusted []string, log *slog.Logger) *http.CrossOriginProtection {
	cop := http.NewCrossOriginProtection()
	for _, origin := range trusted {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			log.Error("ignoring a trusted origin", "origin", origin, "error", err.Error())
		}
	}
	return cop
}

// refuseCrossOrigin answers a cross-origin unsafe request with 403 in the
// error shape, before any handler or credential check runs.
func (s *Server) refuseCrossOrigin(c *gin.Context) {
	if err := s.crossOrigin.Check(c.Request); err != nil {
		writeError(c, crossSite())
		return
	}
	c.Next()
}

func crossSite() error {
	return incident.Errorf(incident.EFORBIDDEN, "Cross-site requests are refused: this request came from another origin.")
}

// CheckTrustedOrigins reports the first origin that is not scheme://host[:port].
func CheckTrustedOrigins(origins []string) error {
	cop := http.NewCrossOriginProtection()
	for _, o := range origins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return err
		}
	}
	return nil
}

// withDeadline gives the request's context a deadline, which every store
// call made for it inherits: past it, a query waiting on a database that
// does not answer returns, and the request fails with 503.
func withDeadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
