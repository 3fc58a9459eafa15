package seed

import (
	"strconv"
	"strings"
	"time"
)

// slot names one value that templates can interpolate as {name}.
type slot uint8

const (
	slotNone     slot = iota
	slotSvc           // service display name
	slotComp          // component
	slotDep           // an upstream the service calls (another service or a vendor)
	slotRegion        // cloud region
	slotVer           // release version
	slotN             // small number
	slotM             // minutes-sized number
	slotPct           // percentage
	slotKey           // configuration key
	slotFlag          // feature flag
	slotTable         // database table
	slotQueue         // queue or topic
	slotTeam          // owning team
	slotSev           // severity
	slotSym           // symptom, lower case
	slotSymC          // symptom, capitalised
	slotSymNP         // symptom as a noun phrase with its article
	slotShort         // short phrase for the cause
	slotTrig          // short phrase for the trigger
	slotDur           // humanised duration of the impact
	slotAction        // what users could not do
	slotDoes          // what the service does
	slotDate          // YYYY-MM-DD of the start
	slotTTD           // humanised time to detect
	slotX             // a figure drawn for one sentence only
	slotPod           // a pod of the component, with its random suffix
	slotErr           // an error message from the logs
	slotEndpoint      // an API route of the service
	slotJob           // a scheduled job or batch
	numSlots
)

var slotNames = map[string]slot{
	"svc": slotSvc, "comp": slotComp, "dep": slotDep, "region": slotRegion,
	"ver": slotVer, "n": slotN, "m": slotM, "pct": slotPct, "key": slotKey,
	"flag": slotFlag, "table": slotTable, "queue": slotQueue, "team": slotTeam,
	"sev": slotSev, "sym": slotSym, "Sym": slotSymC, "symNP": slotSymNP, "short": slotShort,
	"trig": slotTrig, "dur": slotDur, "action": slotAction, "does": slotDoes,
	"date": slotDate, "ttd": slotTTD, "x": slotX, "pod": slotPod, "err": slotErr,
	"endpoint": slotEndpoint, "job": slotJob,
}

// slotValues holds one incident's value for every slot, and the seed that
// picks its wording among a template's alternatives.
type slotValues struct {
	s     [numSlots]string
	words uint64
	// edit, when not zero, rewords a copy: an alternative group whose hash
	// under edit falls below editShare takes its wording from edit instead
	// of words. A recurrence is written as a copy of the earlier write-up
	// with some phrases changed.
	edit uint64
}

// editShare is the share of alternative groups a recurrence rewords
// (drawn afresh, so some land on the same words again).
const editShare = 0.4

// choose picks one of n alternatives for the alternative group id. The
// choice depends only on the incident's wording seeds and the group.
func (v *slotValues) choose(id uint32, n int) int {
	seed := v.words
	if v.edit != 0 && float64(mix(v.edit^0x5bd1e995+uint64(id))>>11)/(1<<53) < editShare {
		seed = v.edit
	}
	return int(mix(seed+uint64(id)*0x9e3779b97f4a7c15) % uint64(n))
}

// mix is SplitMix64's finaliser: a well-mixed 64-bit hash of x.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// piece is a literal, a slot reference, or a group of alternative wordings.
type piece struct {
	lit  string
	slot slot
	alts []string
	alt  uint32 // group id, for slotValues.choose
}

// altGroups numbers the alternative groups as templates are compiled at
// package initialisation, which runs in a fixed order.
var altGroups uint32

// tmpl is a template compiled once at start-up, so rendering is a loop of
// string appends with no parsing and no fmt.
type tmpl struct {
	pieces []piece
	size   int    // literal bytes, to size the builder
	uses   uint32 // bit per slot referenced
}

// compile parses "text {slot} {one|two|three} text": {name} is a slot,
// {a|b} picks one wording per incident. An unknown slot name is a
// programming error and panics at package initialisation.
func compile(src string) tmpl {
	var t tmpl
	for src != "" {
		i := strings.IndexByte(src, '{')
		if i < 0 {
			t.pieces = append(t.pieces, piece{lit: src})
			t.size += len(src)
			break
		}
		if i > 0 {
			t.pieces = append(t.pieces, piece{lit: src[:i]})
			t.size += i
		}
		j := strings.IndexByte(src[i:], '}')
		if j < 0 {
			panic("seed: unterminated slot in template " + strconv.Quote(src))
		}
		name := src[i+1 : i+j]
		if strings.IndexByte(name, '|') >= 0 {
			alts := strings.Split(name, "|")
			t.pieces = append(t.pieces, piece{alts: alts, alt: altGroups})
			altGroups++
			t.size += len(alts[0])
			src = src[i+j+1:]
			continue
		}
		s, ok := slotNames[name]
		if !ok {
			panic("seed: unknown slot {" + name + "} in template " + strconv.Quote(src))
		}
		t.pieces = append(t.pieces, piece{slot: s})
		t.uses |= 1 << s
		src = src[i+j+1:]
	}
	return t
}

// compileAll compiles a list of templates.
func compileAll(src ...string) []tmpl {
	out := make([]tmpl, len(src))
	for i, s := range src {
		out[i] = compile(s)
	}
	return out
}

// has reports whether the template references s.
func (t tmpl) has(s slot) bool { return t.uses&(1<<s) != 0 }

// appendTo writes the template with v's values into b.
func (t tmpl) appendTo(b *strings.Builder, v *slotValues) {
	for _, p := range t.pieces {
		switch {
		case p.alts != nil:
			b.WriteString(p.alts[v.choose(p.alt, len(p.alts))])
		case p.slot == slotNone:
			b.WriteString(p.lit)
		default:
			b.WriteString(v.s[p.slot])
		}
	}
}

// render returns the template with v's values.
func (t tmpl) render(v *slotValues) string {
	if len(t.pieces) == 1 && t.pieces[0].slot == slotNone && t.pieces[0].alts == nil {
		return t.pieces[0].lit
	}
	var b strings.Builder
	b.Grow(t.size + 24*(len(t.pieces)/2+1))
	t.appendTo(&b, v)
	return b.String()
}

// humanise renders a duration the way a post-mortem would: "about 45
// minutes", "about 3 hours", "about 2 days".
func humanise(d time.Duration) string {
	mins := int(d / time.Minute)
	switch {
	case mins < 2:
		return "about a minute"
	case mins < 60:
		return "about " + strconv.Itoa(mins) + " minutes"
	case mins < 90:
		return "about an hour"
	case mins < 48*60:
		return "about " + strconv.Itoa((mins+30)/60) + " hours"
	default:
		return "about " + strconv.Itoa((mins+12*60)/(24*60)) + " days"
	}
}

// dateOnly formats t as YYYY-MM-DD without going through time.Format.
func dateOnly(t time.Time) string {
	y, m, d := t.Date()
	var b [10]byte
	b[0] = byte('0' + y/1000%10)
	b[1] = byte('0' + y/100%10)
	b[2] = byte('0' + y/10%10)
	b[3] = byte('0' + y%10)
	b[4] = '-'
	b[5] = byte('0' + int(m)/10)
	b[6] = byte('0' + int(m)%10)
	b[7] = '-'
	b[8] = byte('0' + d/10)
	b[9] = byte('0' + d%10)
	return string(b[:])
}

// version renders major.minor.patch.
func version(major, minor, patch int) string {
	b := make([]byte, 0, 12)
	b = strconv.AppendInt(b, int64(major), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(minor), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(patch), 10)
	return string(b)
}
