package postmortem

import (
	"errors"
	"fmt"
	"regexp"

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

// typeErrorLine finds the line a YAML type error names.
var typeErrorLine = regexp.MustCompile(`^line \d+`)

// frontMatterError turns any error met while reading the front matter into
// a user-facing *incident.Error such as
// `front matter: line 3: mapping values are not allowed in this context`.
func frontMatterError(err error) error { return yamlError("front matter: ", err) }

// yamlError words an error met reading YAML, after prefix (which says
// where: "front matter: ", or nothing for a whole YAML file).
func yamlError(prefix string, err error) error {
	var known *incident.Error
	if errors.As(err, &known) {
		return known
	}
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		// checkShape finds mismatches first, naming the field; should one
		// slip through, say where without the library's terms (Go types,
		// YAML tags).
		line := "a value"
		if m := typeErrorLine.FindString(typeErr.Errors[0]); m != "" {
			line = m + ":"
		}
		return malformed("%s%s has the wrong type", prefix, line)
	}
	return malformed("%s%s", prefix, yamlMessagePrefix.ReplaceAllString(err.Error(), ""))
}
