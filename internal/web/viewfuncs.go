package web

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
)

// viewFuncs are the functions every template may call. They format; they
// never decide what a page shows.
var viewFuncs = template.FuncMap{
	// markdown renders user markdown safely (postmortem.RenderHTML: no raw
	// HTML, only http, https, mailto and relative links).
	"markdown": postmortem.RenderHTML,
	"asset":    assetURL,
	"date":     formatDate,
	"datetime": formatDateTime,
	"iso":      formatISO,
	"inputTime": func(t any) string {
		if at, ok := timeOf(t); ok {
			return at.UTC().Format("2006-01-02T15:04:05")
		}
		return ""
	},
	"duration": formatDuration,
	"minutes": func(m *float64) string {
		if m == nil {
			return "—"
		}
		return formatDuration(time.Duration(*m * float64(time.Minute)))
	},
	"number":  formatNumber,
	"plural":  plural,
	"label":   label,
	"percent": percent,
	"add":     func(a, b int) int { return a + b },
	"sub":     func(a, b int) int { return a - b },
	// latestIDs is the last n of a list of incident ids, newest first.
	"latestIDs": func(ids []int64, n int) []int64 {
		out := slices.Clone(ids[max(0, len(ids)-n):])
		slices.Reverse(out)
		return out
	},
	"mul100": func(f float64) float64 { return 100 * f },
	"join":   strings.Join,
	"lower":  strings.ToLower,
	"dict":   dict,
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	},
	"str": func(v any) string { return fmt.Sprint(v) },
}

// timeOf reads a time or a pointer to one; a nil pointer or the zero time
// is no time.
func timeOf(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, !v.IsZero()
	case *time.Time:
		if v != nil && !v.IsZero() {
			return *v, true
		}
	}
	return time.Time{}, false
}

// formatDate is a day as people read it: "14 Mar 2025" (UTC).
func formatDate(t any) string {
	if at, ok := timeOf(t); ok {
		return at.UTC().Format("2 Jan 2006")
	}
	return "—"
}

// formatDateTime is a moment to the minute: "14 Mar 2025 15:02 UTC".
func formatDateTime(t any) string {
	if at, ok := timeOf(t); ok {
		return at.UTC().Format("2 Jan 2006 15:04 UTC")
	}
	return "—"
}

// formatISO is a time for a <time datetime> attribute.
func formatISO(t any) string {
	if at, ok := timeOf(t); ok {
		return at.UTC().Format(time.RFC3339)
	}
	return ""
}

// formatDuration reads as an on-call engineer says it: "22 min",
// "2 h 8 min", "3 d 4 h". It takes a duration or a pointer to one.
func formatDuration(d any) string {
	var v time.Duration
	switch x := d.(type) {
	case time.Duration:
		v = x
	case *time.Duration:
		if x == nil {
			return "—"
		}
		v = *x
	default:
		return "—"
	}
	if v < 0 {
		return "—"
	}
	minutes := int64(math.Round(v.Minutes()))
	switch {
	case v < time.Minute:
		return strconv.Itoa(int(v.Seconds())) + " s"
	case minutes < 60:
		return fmt.Sprintf("%d min", minutes)
	case minutes < 24*60:
		if m := minutes % 60; m != 0 {
			return fmt.Sprintf("%d h %d min", minutes/60, m)
		}
		return fmt.Sprintf("%d h", minutes/60)
	}
	days, hours := minutes/(24*60), minutes%(24*60)/60
	if hours != 0 {
		return fmt.Sprintf("%d d %d h", days, hours)
	}
	return fmt.Sprintf("%d d", days)
}

// formatNumber writes an integer with thousands separators: 412,000.
func formatNumber(n any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int64:
		v = x
	case *int64:
		if x == nil {
			return "—"
		}
		v = *x
	default:
		return fmt.Sprint(n)
	}
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural is "1 incident", "3 incidents".
func plural(n any, word string) string {
	s := formatNumber(n)
	if s == "1" {
		return s + " " + word
	}
	return s + " " + word + "s"
}

// label turns a slug or an enum value into words: "in_review" → "in
// review", "customer-report" → "customer report"; the values that need
// more than spaces are in spelledOut.
func label(v any) string {
	s := fmt.Sprint(v)
	if words, ok := spelledOut[s]; ok {
		return words
	}
	return slugSpaces.Replace(s)
}

var (
	slugSpaces = strings.NewReplacer("_", " ", "-", " ")
	// spelledOut: values whose words an underscore cannot give.
	spelledOut = map[string]string{string(incident.ActionWontDo): "won’t do"}
)

// percent is part of whole as a rounded percentage, "—" of nothing.
func percent(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	return strconv.Itoa(int(math.Round(100*float64(part)/float64(whole)))) + "%"
}

// dict builds a map from pairs, to hand several values to a shared
// template: {{template "x" dict "Inc" . "Compact" true}}.
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("dict: %d arguments, want pairs", len(pairs))
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		key, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", pairs[i])
		}
		m[key] = pairs[i+1]
	}
	return m, nil
}
