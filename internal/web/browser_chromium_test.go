package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real Chromium through the pages, as a person
// would. They need AFTERMATH_BROWSER (the Chromium binary; .ci/run sets
// /usr/bin/chromium) and AFTERMATH_AXE (axe-core's axe.min.js, for the
// accessibility checks): unset, they skip with a message; set but
// broken, they fail. Screenshots of every page checked go to
// AFTERMATH_ARTIFACTS, or to the test's temporary folder.
//
// One browser serves the whole test binary; each test gets a tab in a
// browser context of its own, so cookies never cross between tests.

const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 390, 844
)

var chromium struct {
	once   sync.Once
	root   context.Context
	cancel []context.CancelFunc
	err    error
	axe    string
}

// TestMain closes the shared browser after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, cancel := range chromium.cancel {
		cancel()
	}
	os.Exit(code)
}

// startChromium starts the shared browser on first use.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("AFTERMATH_BROWSER")
	if path == "" {
		t.Skip("browser tests need AFTERMATH_BROWSER (e.g. /usr/bin/chromium) and AFTERMATH_AXE (axe.min.js); .ci/run sets both")
	}
	if testing.Short() {
		t.Skip("the browser tests take a minute or two; they run without -short")
	}
	chromium.once.Do(func() {
		if axe := os.Getenv("AFTERMATH_AXE"); axe != "" {
			src, err := os.ReadFile(axe)
			if err != nil {
				chromium.err = fmt.Errorf("AFTERMATH_AXE: %w", err)
				return
			}
			chromium.axe = string(src)
		}
		profile, err := os.MkdirTemp("", "aftermath-chromium-")
		if err != nil {
			chromium.err = err
			return
		}
		// The flags keep Chromium from reaching out to the network at start
		// (there is none to reach on CI) and make it run as root headless.
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile),
			chromedp.WindowSize(desktopWidth, desktopHeight))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		root, cancelRoot := chromedp.NewContext(alloc)
		chromium.root = root
		chromium.cancel = []context.CancelFunc{cancelRoot, cancelAlloc, func() { os.RemoveAll(profile) }}
		// The first action starts the browser, bound to the context it runs
		// on: the root, which lives as long as the test binary.
		if _, err := chromedp.Run(root, chromedp.Location()); err != nil {
			chromium.err = fmt.Errorf("starting %s: %w", path, err)
		}
	})
	if chromium.err != nil {
		t.Fatalf("AFTERMATH_BROWSER is set but the browser does not work: %v", chromium.err)
	}
	return chromium.root
}

// tab is one browser tab on the api's server.
type tab struct {
	t   *testing.T
	a   *api
	ctx context.Context
	// problems are console errors and policy violations seen so far, which
	// check reports and clears.
	mu       sync.Mutex
	problems []string
	// expected are console messages a page may show on purpose (the 404
	// of an error page's own address).
	expected []*regexp.Regexp
	shots    string
}

// newTab opens a tab with a browser context of its own.
func newTab(t *testing.T, a *api) *tab {
	t.Helper()
	root := startChromium(t)
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTime(); cancel() })
	shots := os.Getenv("AFTERMATH_ARTIFACTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &tab{t: t, a: a, ctx: ctx, shots: shots}
	messages := chromedp.Console(ctx)
	// Every document records the policy violations it meets, before any
	// of its own scripts run.
	const watch = `window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watch}); err != nil {
		t.Fatalf("browser: %v", err)
	}
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()
	b.do(chromedp.EmulateViewport(desktopWidth, desktopHeight))
	return b
}

// do runs actions in the tab and fails the test on an error.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser at %s: %v", b.location(), err)
	}
}

// location is the tab's address, without the server's.
func (b *tab) location() string {
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(loc, b.a.url)
}

// eval evaluates JavaScript in the page and decodes its result.
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluating %.80q at %s: %v", js, b.location(), err)
	}
	return v
}

// open goes to a path of the server and waits for the page.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.a.url+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// submit clicks a submit button and waits for the page it leads to.
func (b *tab) submit(selector string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(selector))))
	if err != nil {
		b.t.Fatalf("submitting %s at %s: %v", selector, b.location(), err)
	}
	b.do(chromedp.WaitReady(chromedp.CSS("body")))
}

// login signs in through the login page, as a person types.
func (b *tab) login(name, password string) {
	b.t.Helper()
	b.open("/login")
	b.do(chromedp.SendKeys(chromedp.ID("username"), name), chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit("form[action='/login'] button[type=submit]")
	if loc := b.location(); loc != "/" {
		b.t.Fatalf("after logging in as %s the browser is at %s", name, loc)
	}
}

// text is the text of the first element matching a CSS selector, "" when
// there is none.
func (b *tab) text(selector string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, selector))
}

// count is how many elements match a CSS selector.
func (b *tab) count(selector string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, selector))
}

// set gives a form field a value, as choosing it would (selects, dates,
// times), and tells the page it changed.
func (b *tab) set(selector, value string) {
	b.t.Helper()
	// A time field shows 15:02:00 as 15:02; anything else it does not
	// take comes back empty or changed.
	ok := eval[bool](b, fmt.Sprintf(`(function () {
  var el = document.querySelector(%q);
  if (!el) { return false; }
  el.value = %q;
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return el.value === %q || el.value + ":00" === %q;
})()`, selector, value, value, value))
	if !ok {
		b.t.Fatalf("could not set %s to %q at %s", selector, value, b.location())
	}
}

// typeInto types text into a field, key by key.
func (b *tab) typeInto(selector, text string) {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.CSS(selector), text))
}

// expect lets the page just opened show a console message matching
// pattern (an error page's own status, say).
func (b *tab) expect(pattern string) {
	b.expected = append(b.expected, regexp.MustCompile(pattern))
}

// check looks at the page as it is, at desktop and at phone width: no
// console error and no policy violation since the last check, no serious
// or critical accessibility problem (axe-core), and a screenshot of each.
func (b *tab) check(name string) {
	b.t.Helper()
	for _, w := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", desktopWidth, desktopHeight, false}, {"phone", phoneWidth, phoneHeight, true}} {
		opts := []chromedp.EmulateViewportOption{}
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		b.do(chromedp.EmulateViewport(w.width, w.height, opts...), chromedp.Sleep(50*time.Millisecond))
		if n := eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); n > 2 {
			b.t.Errorf("%s at %s width: the page is %dpx wider than the screen", name, w.name, n)
		}
		b.axe(name + " (" + w.name + ")")
		shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot of %s: %v", name, err)
		}
		file := filepath.Join(b.shots, fmt.Sprintf("%s-%s-%s.png", safeName(b.t.Name()), safeName(name), w.name))
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do(chromedp.EmulateViewport(desktopWidth, desktopHeight))
	violations := eval[[]string](b, `window.__violations || []`)
	time.Sleep(50 * time.Millisecond) // let the last console events arrive
	b.mu.Lock()
	problems := append(b.problems, violations...)
	b.problems = nil
	b.mu.Unlock()
	for _, p := range problems {
		if !b.allowed(p) {
			b.t.Errorf("%s: %s", name, p)
		}
	}
	b.expected = nil
}

func (b *tab) allowed(problem string) bool {
	for _, re := range b.expected {
		if re.MatchString(problem) {
			return true
		}
	}
	return false
}

// printed looks at the page as printed: the print stylesheet leaves out
// the navigation, the forms and the buttons, and keeps the document. A
// screenshot of it is kept beside the others.
func (b *tab) printed(name string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		b.t.Fatal(err)
	}
	defer chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
	shown := eval[[]string](b, `Array.from(document.querySelectorAll(".site-header, form, button, .button")).filter(function (e) {
  return getComputedStyle(e).display !== "none" && e.offsetParent !== null;
}).map(function (e) { return e.tagName + "." + e.className; })`)
	if len(shown) > 0 {
		b.t.Errorf("%s in print still shows %v", name, shown)
	}
	if n := eval[int](b, `document.querySelector("h1").offsetHeight`); n == 0 {
		b.t.Errorf("%s in print has no title", name)
	}
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("%s-%s-print.png", safeName(b.t.Name()), safeName(name))), shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// axe runs axe-core on the page and reports its serious and critical
// findings.
func (b *tab) axe(name string) {
	b.t.Helper()
	if chromium.axe == "" {
		b.t.Log("AFTERMATH_AXE is not set: accessibility checks skipped")
		return
	}
	if eval[bool](b, `typeof window.axe === "undefined"`) {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](chromium.axe)); err != nil {
			b.t.Fatalf("loading axe-core: %v", err)
		}
	}
	result := eval[struct {
		Passes int
		Found  []string
	}](b, `axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
  return {passes: r.passes.length, found: r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
    .map(function (v) { return v.impact + " " + v.id + ": " + v.help + " — " + v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); }).join("; "); })};
})`)
	if result.Passes == 0 {
		b.t.Fatalf("%s: axe-core checked nothing", name)
	}
	for _, f := range result.Found {
		b.t.Errorf("%s: accessibility: %s", name, f)
	}
}

func safeName(s string) string {
	return strings.Trim(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(s, "-"), "-")
}
