package report

import (
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

// tokenizer turns texts into sets of token ids: lowercased runs of letters
// and digits, without stop words, one-letter words and bare numbers (a
// recurrence rarely repeats its figures: "failed 12% of requests" and
// "failed 30% of requests" describe the same fault).
//
// Words are identified by a 64-bit FNV-1a hash computed while scanning, in
// an open-addressing table: no word is copied or hashed twice. Two words
// with the same hash would count as one; among the words of an incident
// history the chance of that is below 10⁻⁸.
type tokenizer struct {
	slots  []tokenSlot // length a power of two, at most half full
	stop   []bool      // by id
	hashes []uint64    // by id: the word's hash, the same from run to run
	last   []int32     // by id: the text (count) that last held the token
	texts  int32
}

type tokenSlot struct {
	hash uint64
	id   uint32 // id + 1; 0 marks an empty slot
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// asciiFold maps an ASCII byte to itself lowercased when it is a letter or
// digit, and to 0 when it separates words.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	return t
}()

func newTokenizer() *tokenizer {
	t := &tokenizer{slots: make([]tokenSlot, 1<<12)}
	for _, w := range stopWords {
		h := uint64(fnvOffset)
		for k := range len(w) {
			h = (h ^ uint64(w[k])) * fnvPrime
		}
		t.stop[t.intern(h)] = true
	}
	return t
}

// intern returns the id of the word with hash h, adding it when new.
func (t *tokenizer) intern(h uint64) uint32 {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			id := uint32(len(t.hashes))
			*s = tokenSlot{hash: h, id: id + 1}
			t.hashes, t.stop, t.last = append(t.hashes, h), append(t.stop, false), append(t.last, 0)
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
// they first occur, and returns the extended dst. ASCII, the usual case,
// takes one table lookup per byte.
func (t *tokenizer) appendSet(dst []uint32, text []byte) []uint32 {
	t.texts++
	h, runes, digitsOnly := uint64(fnvOffset), 0, true
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			i++
			if f := asciiFold[c]; f != 0 {
				h = (h ^ uint64(f)) * fnvPrime
				runes++
				digitsOnly = digitsOnly && f <= '9'
				continue
			}
		} else {
			r, size := utf8.DecodeRune(text[i:])
			i += size
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				var folded [utf8.UTFMax]byte
				for _, b := range folded[:utf8.EncodeRune(folded[:], unicode.ToLower(r))] {
					h = (h ^ uint64(b)) * fnvPrime
				}
				runes++
				digitsOnly = digitsOnly && unicode.IsDigit(r)
				continue
			}
		}
		if runes > 0 {
			dst = t.endWord(dst, h, runes, digitsOnly)
			h, runes, digitsOnly = fnvOffset, 0, true
		}
	}
	if runes > 0 {
		dst = t.endWord(dst, h, runes, digitsOnly)
	}
	return dst
}

// endWord keeps a word of two letters or more that is not a bare number
// or a stop word, once per text.
func (t *tokenizer) endWord(dst []uint32, h uint64, runes int, digitsOnly bool) []uint32 {
	if runes < 2 || digitsOnly {
		return dst
	}
	id := t.intern(h)
	if t.stop[id] || t.last[id] == t.texts {
		return dst
	}
	t.last[id] = t.texts
	return append(dst, id)
}
