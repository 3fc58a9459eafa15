package incident

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Two kinds of text, with one rule in common: no NUL and no control
// characters other than tabs and line breaks. NUL is refused because
// SQLite's full-text tokenizer, like most C code, stops at it: the words
// after a NUL would silently drop out of search. Other control characters
// are what no editor writes and what rewrites a terminal (escapes).
//
// Names and titles (title, service, tags, owners, link titles, ...) also
// refuse the bidirectional controls: a name shows in lists, file names,
// logs and terminals, where a right-to-left override makes "fdp.exe" read
// as "exe.pdf". Markdown keeps them, as right-to-left prose needs them.

// textProblem returns what is wrong with s, or "".
func textProblem(s string, name bool) string {
	// ASCII is checked byte by byte, the rest rune by rune: nearly all
	// text is ASCII, and this runs over every character of every import.
	i := 0
	for ; i < len(s) && s[i] < utf8.RuneSelf; i++ {
		switch b := s[i]; {
		case b == 0:
			return "must not contain NUL characters"
		case (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f:
			return "must not contain control characters other than tabs and line breaks"
		}
	}
	s = s[i:]
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "must not contain NUL characters"
		case r == '\t' || r == '\n' || r == '\r':
		case unicode.IsControl(r):
			return "must not contain control characters other than tabs and line breaks"
		case name && unicode.Is(unicode.Bidi_Control, r):
			return "must not contain bidirectional control characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069)"
		}
	}
	return ""
}

func requiredName(errs *FieldErrors, field, s string, max int) {
	checkText(errs, field, s, max, true, true)
}
func optionalName(errs *FieldErrors, field, s string, max int) {
	checkText(errs, field, s, max, false, true)
}
func requiredMarkdown(errs *FieldErrors, field, s string, max int) {
	checkText(errs, field, s, max, true, false)
}
func optionalMarkdown(errs *FieldErrors, field, s string, max int) {
	checkText(errs, field, s, max, false, false)
}

// checkText records the first problem of a text field: missing when
// required, then textProblem, then its length in characters.
func checkText(errs *FieldErrors, field, s string, max int, required, name bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		errs.Add(field, "is required")
	case textProblem(s, name) != "":
		errs.Add(field, textProblem(s, name))
	case utf8.RuneCountInString(s) > max:
		errs.Add(field, tooLong(max))
	}
}

// CleanName makes s acceptable as a name or title of at most max
// characters: it drops what textProblem refuses in a name (NUL, control
// characters, bidirectional controls, invalid UTF-8), turns line breaks
// and tabs into spaces, and cuts it to max characters, ending in "…" when
// cut. It is for text that comes from another system (alert labels),
// which Aftermath must store rather than refuse.
func CleanName(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return truncate(strings.Join(strings.Fields(s), " "), max)
}

// CleanMarkdown is CleanName for markdown: line breaks and tabs stay, and
// so do bidirectional controls, which right-to-left prose needs.
func CleanMarkdown(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r == utf8.RuneError, unicode.IsControl(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return truncate(strings.TrimSpace(s), max)
}

// truncate cuts s to at most max characters, the last of them "…".
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	return strings.TrimSpace(string(runes[:max-1])) + "…"
}
