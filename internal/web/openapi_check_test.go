package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/aftermath-sre/aftermath/internal/web"
)

// specCheck validates the web tests' requests and answers against the
// server's own OpenAPI description (GET /api/v1/openapi.json), loaded on
// first use. Every answer must match what the description says of its
// route and status; every request the server accepted (2xx) must match
// what it says the route takes. A request that the server refused may be
// refused because it does not match: many tests send those on purpose.
type specCheck struct {
	url    string
	server *web.Server
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func (sc *specCheck) load() {
	sc.doc, sc.err = openapi3.NewLoader().LoadFromData(sc.server.OpenAPI())
	if sc.err != nil {
		return
	}
	if sc.err = sc.doc.Validate(context.Background()); sc.err != nil {
		return
	}
	sc.doc.Servers = openapi3.Servers{{URL: sc.url}}
	sc.router, sc.err = gorillamux.NewRouter(sc.doc)
}

func (sc *specCheck) check(t testing.TB, req *http.Request, reqBody []byte, resp *http.Response, body []byte) {
	t.Helper()
	if sc == nil {
		return
	}
	for _, err := range sc.problems(req, reqBody, resp, body) {
		t.Error(err)
	}
}

// problems lists how a request and its answer depart from the
// description.
func (sc *specCheck) problems(req *http.Request, reqBody []byte, resp *http.Response, body []byte) []error {
	sc.once.Do(sc.load)
	if sc.err != nil {
		return []error{fmt.Errorf("the OpenAPI description: %v", sc.err)}
	}
	var errs []error
	checked := req.Clone(context.Background())
	checked.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := sc.router.FindRoute(checked)
	if err != nil {
		// No route: the server's 404 and 405 are for paths and methods
		// that are not in the description, as they are not in the router.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			errs = append(errs, fmt.Errorf("OpenAPI: %s %s is not described, and was answered %d", req.Method, req.URL.Path, resp.StatusCode))
		}
		return errs
	}
	in := &openapi3filter.RequestValidationInput{Request: checked, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			errs = append(errs, fmt.Errorf("OpenAPI: the request %s %s was accepted (%d) but does not match the description: %v", req.Method, req.URL.Path, resp.StatusCode, err))
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		errs = append(errs, fmt.Errorf("OpenAPI: the answer %d to %s %s does not match the description: %v\n%.300s", resp.StatusCode, req.Method, req.URL.Path, err, body))
	}
	return errs
}

func init() {
	// Markdown bodies (POST /api/v1/import) are text.
	openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.PlainBodyDecoder)
}

// requestBody reads a request's body and puts it back, for the check.
func requestBody(t testing.TB, req *http.Request) []byte {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	data, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data
}
