// Package ui holds the web pages' templates and static assets, embedded in
// the binary so that Aftermath runs as one file.
package ui

import "embed"

// Templates are the server-rendered pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Static holds stylesheets and images, served under /static/.
//
//go:embed static
var Static embed.FS
