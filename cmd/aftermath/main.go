// Command aftermath is the incident post-mortem and root-cause tracker: one
// binary that serves the web UI and API, migrates, imports, exports, reports
// and seeds.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func main() {
	if err := rootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "aftermath:", describe(err))
		os.Exit(1)
	}
}

// describeError is describe as an error value.
func describeError(err error) error { return errors.New(describe(err)) }

// describe words an error for a person at a terminal: a domain error by its
// message and fields, anything else as it is.
func describe(err error) string {
	var e *incident.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	text := e.Message
	fields := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		text += fmt.Sprintf("\n  %s: %s", f, e.Fields[f])
	}
	return text
}
