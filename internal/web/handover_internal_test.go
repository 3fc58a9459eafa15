package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestHandOver: what a post hands to the next page arrives whole, whatever
// its characters (a signing secret's base64 has + and /, which a cookie
// read as a query string would turn into a space), and only once.
func TestHandOver(t *testing.T) {
	s := &Server{}
	const value = "12 whsec_ab+cd/ef== \"quoted\"; and, more"
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodPost, "/admin/webhooks", nil)
	s.handOver(c, newSecretCookie, "/admin/webhooks", value)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].MaxAge <= 0 {
		t.Fatalf("cookies: %+v", cookies)
	}

	w = httptest.NewRecorder()
	c, _ = gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodGet, "/admin/webhooks", nil)
	c.Request.AddCookie(cookies[0])
	if got := s.takeHandedOver(c, newSecretCookie, "/admin/webhooks"); got != value {
		t.Errorf("taken %q, want %q", got, value)
	}
	if cleared := w.Result().Cookies(); len(cleared) != 1 || cleared[0].MaxAge >= 0 {
		t.Errorf("not cleared: %+v", cleared)
	}
	c.Request = httptest.NewRequest(http.MethodGet, "/admin/webhooks", nil)
	if got := s.takeHandedOver(c, newSecretCookie, "/admin/webhooks"); got != "" {
		t.Errorf("without the cookie: %q", got)
	}
}
