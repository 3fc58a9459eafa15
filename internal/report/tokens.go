package report

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// stopWords carry no meaning of their own in a description; two texts that
// share only these are not alike.
var stopWords = []string{
	"a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
	"before", "being", "but", "by", "can", "could", "did", "do", "does", "during", "each", "for",
	"from", "had", "has", "have", "he", "her", "his", "if", "in", "into", "is", "it", "its",
	"more", "most", "no", "not", "of", "on", "once", "only", "or", "other", "our", "out", "over",
	"she", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
	"these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very",
	"was", "we", "were", "what", "when", "where", "which", "while", "who", "will", "with",
	"would", "you", "your",
}

// tokenizer turns a description into a set of token ids of two kinds:
//
//   - words of its prose: lowercased runs of letters and digits, where one
//     of _ . - / : ' between two of them continues the word ("us-east-1",
//     "payments-api", "wasn't"), without stop words, one-letter words and
//     words without a letter (a recurrence rarely repeats its figures:
//     "failed 12% of requests" and "failed 30% of requests" describe the
//     same fault);
//   - identifiers: the text of each markdown code span, lowercased and
//     trimmed, as one token ("`orders.created`", "`connection reset by
//     peer`"). Post-mortems quote in code what they name exactly (a config
//     key, a table, an endpoint, an error message), and that is what tells
//     one failure from another of the same kind.
//
// Tokens are identified by a 64-bit FNV-1a hash computed while scanning, in
// an open-addressing table: no token is copied or hashed twice. Two tokens
// with the same hash would count as one; among the tokens of an incident
// history the chance of that is below 10⁻⁸.
type tokenizer struct {
	// recent caches the last token seen in each of its slots, in front of
	// the table: most words of a description are common ones, and the
	// cache stays in the CPU's caches where the table does not.
	recent [recentSlots]tokenSlot
	slots  []tokenSlot // length a power of two, at most half full
	stop   []bool      // by id
	ident  []bool      // by id: an identifier (code span), not a word
	hashes []uint64    // by id: the token's hash, the same from run to run
	last   []int32     // by id: the text (count) that last held the token
	texts  int32
}

type tokenSlot struct {
	hash uint64
	id   uint32 // id + 1; 0 marks an empty slot
}

// recentSlots is the size of tokenizer.recent: 64 KiB.
const recentSlots = 1 << 12

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// identMark starts an identifier's hash, so that `retry` and retry are
	// different tokens.
	identMark = '`'
)

// asciiFold maps an ASCII byte to itself lowercased when it is a letter or
// digit, and to 0 otherwise.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	return t
}()

// joiner reports whether c continues a word when letters or digits follow.
func joiner(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c == '/' || c == ':' || c == '\''
}

func newTokenizer() *tokenizer {
	t := &tokenizer{slots: make([]tokenSlot, 1<<12)}
	for _, w := range stopWords {
		h := uint64(fnvOffset)
		for k := range len(w) {
			h = (h ^ uint64(w[k])) * fnvPrime
		}
		t.stop[t.intern(h, false)] = true
	}
	return t
}

// intern returns the id of the token with hash h, adding it when new.
func (t *tokenizer) intern(h uint64, ident bool) uint32 {
	c := &t.recent[(h>>7)&(recentSlots-1)]
	if c.id != 0 && c.hash == h {
		return c.id - 1
	}
	id := t.lookup(h, ident)
	*c = tokenSlot{hash: h, id: id + 1}
	return id
}

// lookup finds the token with hash h in the table, adding it when new.
func (t *tokenizer) lookup(h uint64, ident bool) uint32 {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			id := uint32(len(t.hashes))
			*s = tokenSlot{hash: h, id: id + 1}
			t.hashes, t.last = append(t.hashes, h), append(t.last, 0)
			t.stop, t.ident = append(t.stop, false), append(t.ident, ident)
			if 2*len(t.hashes) > len(t.slots) {
				t.grow()
			}
			return id
		}
		if s.hash == h {
			return s.id - 1
		}
	}
}

func (t *tokenizer) grow() {
	old := t.slots
	t.slots = make([]tokenSlot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.id == 0 {
			continue
		}
		i := s.hash & mask
		for t.slots[i].id != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// appendSet appends the distinct token ids of text to dst, in the order
// they first occur, and returns the extended dst.
func (t *tokenizer) appendSet(dst []uint32, text []byte) []uint32 {
	t.texts++
	for len(text) > 0 {
		i := bytes.IndexByte(text, '`')
		if i < 0 {
			return t.appendWords(dst, text)
		}
		dst = t.appendWords(dst, text[:i])
		// A code span opens with a run of backticks and closes with a run
		// of the same length; without one, the backticks are literal.
		n := 1
		for i+n < len(text) && text[i+n] == '`' {
			n++
		}
		rest := text[i+n:]
		end := closingRun(rest, n)
		if end < 0 {
			text = rest
			continue
		}
		dst = t.appendIdent(dst, rest[:end])
		text = rest[end+n:]
	}
	return dst
}

// closingRun finds a run of exactly n backticks in s.
func closingRun(s []byte, n int) int {
	for from := 0; from < len(s); {
		i := bytes.IndexByte(s[from:], '`')
		if i < 0 {
			return -1
		}
		i += from
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		if j-i == n {
			return i
		}
		from = j
	}
	return -1
}

// appendIdent adds a code span's text, lowercased with its inner spaces
// collapsed, when it holds a letter. ASCII takes one table lookup a byte.
func (t *tokenizer) appendIdent(dst []uint32, span []byte) []uint32 {
	h := uint64(fnvOffset) ^ identMark
	h *= fnvPrime
	letters, space, started := false, false, false
	for i := 0; i < len(span); {
		r, size := rune(span[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(span[i:])
		}
		i += size
		if isSpace(r) {
			space = started
			continue
		}
		if space {
			h = (h ^ ' ') * fnvPrime
			space = false
		}
		started = true
		if r < utf8.RuneSelf {
			c := byte(r)
			if f := asciiFold[c]; f != 0 {
				c, letters = f, letters || f > '9'
			}
			h = (h ^ uint64(c)) * fnvPrime
			continue
		}
		letters = letters || unicode.IsLetter(r)
		var folded [utf8.UTFMax]byte
		for _, b := range folded[:utf8.EncodeRune(folded[:], unicode.ToLower(r))] {
			h = (h ^ uint64(b)) * fnvPrime
		}
	}
	if !letters {
		return dst
	}
	return t.keep(dst, t.intern(h, true))
}

// appendWords adds the words of a stretch of prose. ASCII, the usual case,
// takes one table lookup per byte.
func (t *tokenizer) appendWords(dst []uint32, text []byte) []uint32 {
	h, runes, letters := uint64(fnvOffset), 0, false
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if f := asciiFold[c]; f != 0 {
				h = (h ^ uint64(f)) * fnvPrime
				runes++
				letters = letters || f > '9'
				i++
				continue
			}
			if runes > 0 && joiner(c) && i+1 < len(text) && wordStart(text[i+1:]) {
				h = (h ^ uint64(c)) * fnvPrime
				i++
				continue
			}
			i++
		} else {
			r, size := utf8.DecodeRune(text[i:])
			i += size
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				var folded [utf8.UTFMax]byte
				for _, b := range folded[:utf8.EncodeRune(folded[:], unicode.ToLower(r))] {
					h = (h ^ uint64(b)) * fnvPrime
				}
				runes++
				letters = letters || unicode.IsLetter(r)
				continue
			}
		}
		if runes > 0 {
			dst = t.endWord(dst, h, runes, letters)
			h, runes, letters = fnvOffset, 0, false
		}
	}
	if runes > 0 {
		dst = t.endWord(dst, h, runes, letters)
	}
	return dst
}

// isSpace is unicode.IsSpace, quick for ASCII.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
	}
	return unicode.IsSpace(r)
}

// wordStart reports whether s begins with a letter or digit.
func wordStart(s []byte) bool {
	if s[0] < utf8.RuneSelf {
		return asciiFold[s[0]] != 0
	}
	r, _ := utf8.DecodeRune(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// endWord keeps a word of two characters or more with a letter that is not
// a stop word.
func (t *tokenizer) endWord(dst []uint32, h uint64, runes int, letters bool) []uint32 {
	if runes < 2 || !letters {
		return dst
	}
	id := t.intern(h, false)
	if t.stop[id] {
		return dst
	}
	return t.keep(dst, id)
}

// keep appends id once per text.
func (t *tokenizer) keep(dst []uint32, id uint32) []uint32 {
	if t.last[id] == t.texts {
		return dst
	}
	t.last[id] = t.texts
	return append(dst, id)
}

// adopt gives a token read by another tokenizer (with its hash and kind)
// an id in this one.
func (t *tokenizer) adopt(h uint64, ident, stop bool) uint32 {
	id := t.intern(h, ident)
	t.stop[id] = t.stop[id] || stop
	return id
}
