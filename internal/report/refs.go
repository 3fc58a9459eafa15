package report

import (
	"strconv"
	"time"
)

// task is one query of a report; Build runs them concurrently.
type task func() error

func timeOrNil(unix *int64) *time.Time {
	if unix == nil {
		return nil
	}
	t := time.Unix(*unix, 0).UTC()
	return &t
}

// quote shows user input in a message, shortened.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}
