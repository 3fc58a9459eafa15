package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func TestPublic(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true}, {"2606:4700::1111", true}, {"8.8.8.8", true},
		{"127.0.0.1", false}, {"127.8.9.10", false}, {"::1", false}, {"0.0.0.0", false}, {"::", false},
		{"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.1.1", false}, {"169.254.169.254", false},
		{"100.64.0.1", false}, {"fc00::1", false}, {"fe80::1", false}, {"224.0.0.1", false},
		{"255.255.255.255", false}, {"198.18.0.1", false}, {"::ffff:127.0.0.1", false}, {"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false}, {"2001:db8::1", false}, {"0.1.2.3", false},
	} {
		if got := Public(netip.MustParseAddr(tc.addr)); got != tc.public {
			t.Errorf("Public(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
}

func TestCheckRefusesPrivateTargets(t *testing.T) {
	ctx := context.Background()
	strict := Targets{}
	for _, u := range []string{
		"http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://10.0.0.5/hook", "https://169.254.169.254/latest",
		"http://localhost:9000/hook", "http://[::ffff:127.0.0.1]/hook",
	} {
		err := strict.Check(ctx, u)
		var e *incident.Error
		if !errors.As(err, &e) || e.Code != incident.EINVALID || !strings.Contains(e.Fields["url"], "--webhook-allow-private") {
			t.Errorf("%s: %v, want a field error on url naming the flag", u, err)
		}
	}
	if err := strict.Check(ctx, "https://93.184.215.14/hook"); err != nil {
		t.Errorf("a public address: %v", err)
	}
	if err := strict.Check(ctx, "https://does-not-resolve.invalid/hook"); err == nil {
		t.Error("a host that does not resolve passed")
	}
	allow := Targets{AllowPrivate: true}
	if err := allow.Check(ctx, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("allowed private: %v", err)
	}
}

// TestDialerRefusesPrivateAddresses: the check at connection time, which
// catches a name that resolves elsewhere now than at registration.
func TestDialerRefusesPrivateAddresses(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer srv.Close()
	// "localhost" resolves to loopback at dial time, as a rebinding name
	// would.
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, tc := range []struct {
		targets Targets
		refused bool
	}{{Targets{}, true}, {Targets{AllowPrivate: true}, false}} {
		hit = false
		client := &http.Client{Transport: &http.Transport{DialContext: tc.targets.Dialer(time.Second).DialContext}}
		resp, err := client.Get(url)
		if resp != nil {
			resp.Body.Close()
		}
		var refused errRefusedAddress
		switch {
		case tc.refused && (!errors.As(err, &refused) || hit):
			t.Errorf("strict dialer: err %v, receiver reached %v", err, hit)
		case !tc.refused && (err != nil || !hit):
			t.Errorf("permissive dialer: err %v, receiver reached %v", err, hit)
		}
	}
	var d net.Dialer = *Targets{}.Dialer(time.Second)
	if d.Control == nil {
		t.Error("the strict dialer checks nothing")
	}
}
