package incident

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold is how Aftermath compares text that people type: service names
// (ServiceKey) and searches. It applies compatibility normalisation (NFKC:
// "ｐａｙｍｅｎｔｓ" → "payments", "ﬁ" → "fi"), full Unicode case folding
// ("Payments" → "payments", "Straße" → "strasse") and removes accents
// ("café", whether é is one code point or e plus a combining accent, →
// "cafe").
//
// Only the combining marks of the diacritical-mark blocks are removed, the
// accents of Latin, Greek and Cyrillic letters. Marks that are part of a
// letter in other scripts (Devanagari vowel signs, the Japanese voicing
// marks that tell ガ from カ) are kept, so words there stay apart.
func Fold(s string) string {
	if isASCII(s) {
		// NFKC, NFD and NFC leave ASCII as it is and it has no marks, so
		// folding is lowercasing. Nearly every name and most text is
		// ASCII; the transformers below cost an allocation per call.
		return strings.ToLower(s)
	}
	// Transformers keep state between calls, so each call makes its own.
	t := transform.Chain(norm.NFKC, cases.Fold(), norm.NFD, runes.Remove(runes.In(diacriticalMarks)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		return strings.ToLower(s) // invalid UTF-8; Validate refuses it anyway
	}
	return folded
}

// diacriticalMarks are the Unicode blocks of combining accents.
var diacriticalMarks = &unicode.RangeTable{R16: []unicode.Range16{
	{Lo: 0x0300, Hi: 0x036F, Stride: 1}, // Combining Diacritical Marks
	{Lo: 0x1AB0, Hi: 0x1AFF, Stride: 1}, // … Extended
	{Lo: 0x1DC0, Hi: 0x1DFF, Stride: 1}, // … Supplement
	{Lo: 0x20D0, Hi: 0x20FF, Stride: 1}, // … for Symbols
	{Lo: 0xFE20, Hi: 0xFE2F, Stride: 1}, // Combining Half Marks
}}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
