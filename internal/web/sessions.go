package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
)

const sessionKey = "sessions"

func (s *Server) newSessionManager(secure bool) *scs.SessionManager {
	sm := s.accounts.NewSessionManager(secure)
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("session", "error", err.Error())
	}
	return sm
}

// loadSession loads the request's session (scs's LoadAndSave, as gin
// middleware): the session is read from its cookie now, and saved, with
// its cookie set, just before the answer's headers go out.
func (s *Server) loadSession(c *gin.Context) {
	sm := s.plainSessions
	if s.isHTTPS(c.Request) {
		sm = s.secureSessions
	}
	var token string
	if cookie, err := c.Request.Cookie(sm.Cookie.Name); err == nil {
		token = cookie.Value
	}
	ctx, err := sm.Load(c.Request.Context(), token)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Request = c.Request.WithContext(ctx)
	c.Set(sessionKey, sm)
	c.Writer.Header().Add("Vary", "Cookie")
	w := &sessionWriter{ResponseWriter: c.Writer, c: c, sm: sm}
	c.Writer = w
	c.Next()
	w.save()
}

// loadSessionUnlessBearer loads the session of an API request that has no
// Authorization header: a token, when given, is the only credential.
func (s *Server) loadSessionUnlessBearer(c *gin.Context) {
	if c.GetHeader("Authorization") != "" {
		c.Next()
		return
	}
	s.loadSession(c)
}

// sessionManager is the request's session manager, nil if it has none.
func sessionManager(c *gin.Context) *scs.SessionManager {
	sm, _ := c.Get(sessionKey)
	m, _ := sm.(*scs.SessionManager)
	return m
}

// saveSession saves the session now, so that a handler that must not go
// on without it (a login) can tell the person when it failed.
func saveSession(c *gin.Context) error {
	if w, ok := c.Writer.(*sessionWriter); ok {
		return w.save()
	}
	return nil
}

// sessionWriter saves the session before the first byte of the answer,
// while its cookie can still be set.
type sessionWriter struct {
	gin.ResponseWriter
	c    *gin.Context
	sm   *scs.SessionManager
	once sync.Once
	err  error
}

func (w *sessionWriter) save() error {
	w.once.Do(func() {
		ctx := w.c.Request.Context()
		switch w.sm.Status(ctx) {
		case scs.Modified:
			token, expiry, err := w.sm.Commit(ctx)
			if err != nil {
				w.err = err
				logger(w.c).Error("saving the session", "error", err.Error())
				return
			}
			w.sm.WriteSessionCookie(ctx, w.ResponseWriter, token, expiry)
		case scs.Destroyed:
			w.sm.WriteSessionCookie(ctx, w.ResponseWriter, "", time.Time{})
		}
	})
	return w.err
}

func (w *sessionWriter) WriteHeader(code int) {
	w.save()
	w.ResponseWriter.WriteHeader(code)
}

func (w *sessionWriter) WriteHeaderNow() {
	w.save()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *sessionWriter) Write(b []byte) (int, error) {
	w.save()
	return w.ResponseWriter.Write(b)
}

func (w *sessionWriter) WriteString(s string) (int, error) {
	w.save()
	return w.ResponseWriter.WriteString(s)
}
