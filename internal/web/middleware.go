package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
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

// securityHeaders are safe defaults for every answer.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	c.Next()
}
