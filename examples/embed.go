// Package examples holds the example incidents that `aftermath serve --demo`
// loads and the README walks through. They are embedded in the binary.
package examples

import "embed"

// Files holds the example post-mortems as API JSON (*.json) and markdown
// (*.md).
//
//go:embed *.json
var Files embed.FS
