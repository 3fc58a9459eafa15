package incident

import (
	"math"
	"strconv"
)

// MaxID is the largest id or version that any input may set: an API
// request, a markdown file, a command-line argument. It is 2^53−1, the
// largest integer that every JSON reader holds exactly (JavaScript's
// Number.MAX_SAFE_INTEGER), so that every id a client sees is the id the
// store holds. Stored as a 64-bit integer, it leaves 2^63−2^53 ids for the
// store to hand out after the largest one a file can set, and as many
// increments of the largest version: no accepted input can make a later
// create, patch or import fail.
//
// What no bound can give: after a file sets an id or version at MaxID
// itself, the ids and versions the store hands out next are above it, and
// a file exported from them is refused on import. It takes a file at the
// bound to get there; nothing the store does by itself comes near it.
const MaxID = 1<<53 - 1

// IDRule is the message for a number that cannot be an id or a version.
const IDRule = "must be a whole number from 1 to 9007199254740991"

// ValidID reports whether n can be an id or a version.
func ValidID(n int64) bool { return n >= 1 && n <= MaxID }

// ParseID reads an id as it is written in a path or on a command line.
// An id has exactly one spelling: decimal digits without a sign or a
// leading zero ("+1", "01" and "1.0" are not ids). Any positive 64-bit
// number is accepted, not only those within MaxID: the store may have
// handed out ids above the largest one a file set, and each must stay
// reachable.
func ParseID(s string) (int64, bool) {
	return ParseCount(s, math.MaxInt64)
}

// ParseCount reads a positive whole number of at most max written in its
// one spelling, as ParseID does; query parameters such as limit use it.
func ParseCount(s string, max int64) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > max {
		return 0, false
	}
	return n, true
}

// checkID adds IDRule for a set id or version (0 means not set yet) that
// ValidID refuses.
func checkID(errs *FieldErrors, field string, n int64) {
	if n != 0 && !ValidID(n) {
		errs.Add(field, IDRule)
	}
}
