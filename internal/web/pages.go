package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/ui"
)

// static is ui/static, served under /static/.
var static = func() fs.FS {
	sub, err := fs.Sub(ui.Static, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	return sub
}()

// assetVersions holds a short hash of each static file's content. Pages
// link to "/static/NAME?v=HASH", so that a file can be cached for long and
// a new binary's files are fetched at once.
var assetVersions = func() map[string]string {
	out := map[string]string{}
	fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}()

// assetURL is the address of a static file, with its version.
func assetURL(name string) string { return "/static/" + name + "?v=" + assetVersions[name] }

// serveStatic answers a file of ui/static; a folder or a missing file is
// a 404 in the error shape, never a listing.
func serveStatic(c *gin.Context) {
	serveStaticFile(c, strings.TrimPrefix(c.Param("filepath"), "/"))
}

// favicon answers /favicon.ico, which browsers and feed readers ask for
// whatever the page's <link rel="icon"> says.
func favicon(c *gin.Context) { serveStaticFile(c, "favicon.ico") }

func serveStaticFile(c *gin.Context, name string) {
	if info, err := fs.Stat(static, name); err != nil || info.IsDir() || name == "" {
		writeError(c, incident.Errorf(incident.ENOTFOUND, "There is nothing at %s.", c.Request.URL.Path))
		return
	}
	// The files change only with the binary, and pages ask for them by
	// version (assetURL); a version asked for is the same for good.
	if c.Query("v") != "" && c.Query("v") == assetVersions[name] {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=3600")
	}
	http.ServeFileFS(c.Writer, c.Request, static, name)
}
