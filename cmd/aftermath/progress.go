package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// progress shows how far a long command has come (import, export, seed),
// on its standard error when that is a terminal. Anywhere else (a pipe, a
// file, CI logs) it stays quiet: a progress bar there is noise.
type progress struct {
	bar *progressbar.ProgressBar
}

// newProgress makes a progress display for cmd, labelled what
// ("importing") and counting unit ("files").
func newProgress(cmd *cobra.Command, what, unit string) *progress {
	w := cmd.ErrOrStderr()
	if !isTerminal(w) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth(),
	)}
}

// set shows done of total; it is safe to call on a quiet progress.
func (p *progress) set(done, total int) {
	if p.bar == nil {
		return
	}
	if p.bar.GetMax() != total {
		p.bar.ChangeMax(total)
	}
	p.bar.Set(done)
}

// finish clears the display.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
