package postmortem

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// lineError is a problem at one line of the file. The YAML is parsed with
// the opening "---" still in place, so node lines are file lines.
type lineError struct {
	line    int
	message string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.message) }

func lineErrorf(n *yaml.Node, format string, args ...any) error {
	return &lineError{line: n.Line, message: fmt.Sprintf(format, args...)}
}

// malformed is the error for a file that cannot be read.
func malformed(format string, args ...any) error {
	return incident.Errorf(incident.EMALFORMED, format, args...)
}

// yamlMessagePrefix matches the "yaml: " that the YAML library puts before
// its messages; users should see where the problem is, not which library
// found it.
var yamlMessagePrefix = regexp.MustCompile(`^yaml: `)

// frontMatterError turns any error met while reading the front matter into
// a user-facing *incident.Error such as
// `front matter: line 3: mapping values are not allowed in this context`.
func frontMatterError(err error) error {
	var known *incident.Error
	if errors.As(err, &known) {
		return known
	}
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		// The library collects every mismatch; each already says its line.
		return malformed("front matter: %s", strings.Join(typeErr.Errors, "; "))
	}
	return malformed("front matter: %s", yamlMessagePrefix.ReplaceAllString(err.Error(), ""))
}
