package postmortem

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Bounds on the parts of a file name, so that a name stays readable in a
// directory listing and far below the 255 bytes file systems allow.
const (
	maxServiceSlug = 40
	maxTitleSlug   = 60
)

// FileName returns the name an incident's post-mortem is exported under:
//
//	2025-03-14-linktree-payment-processing-outage-database-connection-1.md
//
// that is the UTC date it started ("undated" when unknown), the service and
// the title as ASCII slugs, and the ID, which keeps names unique. The name
// depends only on those fields, so re-exporting gives the same name. An
// incident not yet stored (ID 0) gets no ID part.
func FileName(inc *incident.Incident) string {
	date := "undated"
	if inc.StartedAt != nil {
		date = inc.StartedAt.UTC().Format(time.DateOnly)
	}
	service, title := slug(inc.Service, maxServiceSlug), slug(inc.Title, maxTitleSlug)
	// Titles often start with the service ("PagerDuty incident ..."); say it once.
	if service != "" {
		title = strings.TrimPrefix(strings.TrimPrefix(title, service), "-")
	}
	parts := []string{date}
	for _, part := range []string{service, title} {
		if part != "" {
			parts = append(parts, part)
		}
	}
	if inc.ID > 0 {
		parts = append(parts, strconv.FormatInt(inc.ID, 10))
	}
	return strings.Join(parts, "-") + ".md"
}

// slug turns text into lowercase ASCII words joined by dashes, at most max
// bytes, cut at a dash. Accents are dropped ("Zürich" → "zurich"); letters
// with no ASCII form (CJK, Cyrillic) are left out.
func slug(text string, max int) string {
	var b strings.Builder
	dash := false
	// NFKD splits "ü" into "u" and a combining mark, which is then dropped.
	for _, r := range norm.NFKD.String(text) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
			dash = false
		case unicode.Is(unicode.Mn, r):
			// a combining accent: part of the letter before it
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > max {
		s = s[:max]
		if i := strings.LastIndexByte(s, '-'); i > max/2 {
			s = s[:i]
		}
		s = strings.TrimRight(s, "-")
	}
	return s
}

// IDFromFileName returns the ID part of a name FileName made, if the name
// has one. It is a hint, not a reading of the file: a title slug may end in
// a number too. Importers use it to read an export back in id order.
func IDFromFileName(name string) (int64, bool) {
	stem, ok := strings.CutSuffix(name, ".md")
	if !ok {
		return 0, false
	}
	dash := strings.LastIndexByte(stem, '-')
	if dash < 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(stem[dash+1:], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
