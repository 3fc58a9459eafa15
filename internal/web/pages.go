package web

import (
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
	// The files change only with the binary; a day's caching spares a
	// request per page without keeping an upgrade's styles away for long.
	c.Header("Cache-Control", "public, max-age=86400")
	http.ServeFileFS(c.Writer, c.Request, static, name)
}
