package postmortem

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// DescriptionMarker is the line between the generated sections of a
// post-mortem file and its free description. Everything after it is the
// description, exactly as written; everything between the front matter and
// it is regenerated on export and ignored on import. Rendered, it is an HTML
// comment, so readers of the page do not see it.
const DescriptionMarker = "<!-- aftermath:description: the text below is the free description, kept as written; the sections above are generated from the front matter and ignored on import -->"

// Body returns the markdown body of inc's post-mortem file: a heading, key
// facts, one section per filled-in part of the incident (summary, impact,
// outage type, timeline, primary cause, contributing factors, failure
// modes, detection, action items, lessons learned), then the DescriptionMarker and the free
// description. Empty sections are left out.
func Body(inc *incident.Incident) string {
	var b strings.Builder
	b.WriteString(strings.Join(sections(inc), "\n"))
	// The marker is written even without a description: without it, Parse
	// would take the generated sections for the description.
	if inc.Description != "" {
		b.WriteString("\n" + descriptionHeading)
	}
	b.WriteString("\n" + DescriptionMarker + "\n")
	if inc.Description != "" {
		b.WriteString("\n" + inc.Description + "\n")
	}
	return b.String()
}

const descriptionHeading = "## Description\n"

// sections returns the generated part of the body as separate markdown
// blocks: the title, the key facts, then each non-empty section with its
// heading. RenderIncidentHTML renders them one by one, so that a field with
// an unclosed code fence or HTML comment cannot swallow the rest of the page.
func sections(inc *incident.Incident) []string {
	title := inc.Title
	if strings.TrimSpace(title) == "" {
		title = "Untitled incident"
	}
	parts := []string{"# " + inline(title) + "\n"}
	add := func(heading, content string) {
		if content != "" {
			parts = append(parts, heading+content)
		}
	}
	add("", facts(inc))
	add("## Summary\n\n", markdown(inc.Summary))
	add("## Impact\n\n", impact(inc.Impact))
	add("## Outage type\n\n", outageTypes(inc.OutageTypes))
	add("## Timeline\n\n", timeline(inc.Timeline))
	add("## Primary cause\n\n", primaryCause(inc.PrimaryCause))
	add("## Contributing factors\n\n", findings(inc.ContributingFactors))
	add("## Failure modes\n\n", failureModes(inc.FailureModes))
	add("## Detection — why it wasn't caught\n\n", detection(inc))
	add("## Action items\n\n", actionItems(inc.ActionItems))
	add("## Lessons learned\n\n", lessons(inc.Lessons))
	return parts
}

// facts is the list of key facts under the title.
func facts(inc *incident.Incident) string {
	var lines []string
	fact := func(name, value string) {
		if value != "" {
			lines = append(lines, "- **"+name+":** "+value+"\n")
		}
	}
	fact("Service", joinNonEmpty(" · ", inline(inc.Service), inline(inc.Component)))
	fact("Severity", inline(string(inc.Severity)))
	status := inline(string(inc.Status))
	if inc.PostmortemStatus != "" {
		status = joinNonEmpty(" · ", status, "post-mortem "+inline(string(inc.PostmortemStatus)))
	}
	fact("Status", status)
	fact("Started", formatTime(inc.StartedAt))
	fact("Detected", sinceStart(inc.DetectedAt, inc.TimeToDetect()))
	fact("Mitigated", sinceStart(inc.MitigatedAt, inc.TimeToMitigate()))
	fact("Resolved", sinceStart(inc.ResolvedAt, inc.TimeToResolve()))
	fact("Tags", inlineList(inc.Tags))
	var links []string
	for _, l := range inc.Links {
		links = append(links, link(l))
	}
	fact("Links", strings.Join(links, ", "))
	fact("External ID", inline(inc.ExternalID))
	return strings.Join(lines, "")
}

func impact(im incident.Impact) string {
	var b strings.Builder
	if text := markdown(im.Description); text != "" {
		b.WriteString(text)
	}
	var facts []string
	if im.AffectedUsers != nil {
		facts = append(facts, "- **Affected users:** "+strconv.FormatInt(*im.AffectedUsers, 10)+"\n")
	}
	if len(im.AffectedDependents) > 0 {
		facts = append(facts, "- **Affected dependents:** "+inlineList(im.AffectedDependents)+"\n")
	}
	if len(facts) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Join(facts, ""))
	}
	return b.String()
}

func outageTypes(types []incident.OutageType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	if list := inlineList(names); list != "" {
		return list + "\n"
	}
	return ""
}

func timeline(entries []incident.TimelineEntry) string {
	var b strings.Builder
	for _, e := range entries {
		at := "unknown time"
		if !e.At.IsZero() {
			at = formatTime(&e.At)
		}
		b.WriteString("- **" + at + "**")
		if e.Kind != "" {
			b.WriteString(" (" + inline(e.Kind) + ")")
		}
		b.WriteString(": " + listItemText(e.Text, 2) + "\n")
	}
	return b.String()
}

func primaryCause(c incident.Cause) string {
	if c.IsZero() {
		return ""
	}
	var b strings.Builder
	if c.Category != "" {
		b.WriteString("- **Category:** " + inline(c.Category) + "\n")
	}
	if c.Trigger != "" {
		b.WriteString("- **Trigger:** " + inline(c.Trigger) + "\n")
	}
	if text := markdown(c.Description); text != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(text)
	}
	return b.String()
}

// findings numbers contributing factors and detection gaps from 1, as the
// action items table refers to them.
func findings(list []incident.Finding) string {
	var b strings.Builder
	for i, f := range list {
		number := strconv.Itoa(i+1) + ". "
		b.WriteString(number)
		if f.Category != "" {
			b.WriteString("**" + inline(f.Category) + "**")
			if f.Description != "" {
				b.WriteString(": ")
			}
		}
		b.WriteString(listItemText(f.Description, len(number)) + "\n")
	}
	return b.String()
}

// failureModes lists the known failure modes that materialised, as the
// incident names them ("slug", or "service/slug" of another service).
func failureModes(refs []string) string {
	var b strings.Builder
	for _, r := range refs {
		b.WriteString("- " + inline(r) + "\n")
	}
	return b.String()
}

// detection says how the incident was noticed and why not sooner. A method
// that is merely "unknown", with no gaps listed, is not worth a section.
func detection(inc *incident.Incident) string {
	gaps := findings(inc.DetectionGaps)
	method := inc.DetectionMethod
	if gaps == "" && (method == "" || method == incident.DetectedByUnknown) {
		return ""
	}
	var b strings.Builder
	if method != "" {
		b.WriteString("**Detected by:** " + inline(string(method)) + "\n")
	}
	if gaps != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(gaps)
	}
	return b.String()
}

func actionItems(items []incident.ActionItem) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| # | Action | Kind | Owner | Due | Status | Addresses |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for i, a := range items {
		status := inline(string(a.Status))
		if a.DoneAt != nil {
			status += " on " + a.DoneAt.UTC().Format(time.DateOnly)
		}
		cells := []string{strconv.Itoa(i + 1), inline(a.Title), inline(string(a.Kind)), inline(a.Owner),
			inline(a.DueDate), status, addresses(a.Addresses)}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

var addressesPattern = regexp.MustCompile(`^(contributing_factors|detection_gaps)\[(\d{1,9})\]$`)

// addresses names what an action item fixes the way the sections above
// number it: "contributing_factors[1]" is "contributing factor 2".
func addresses(ref string) string {
	if ref == "primary_cause" {
		return "primary cause"
	}
	m := addressesPattern.FindStringSubmatch(ref)
	if m == nil {
		return inline(ref)
	}
	n, _ := strconv.Atoi(m[2])
	if m[1] == "contributing_factors" {
		return fmt.Sprintf("contributing factor %d", n+1)
	}
	return fmt.Sprintf("detection gap %d", n+1)
}

func lessons(l incident.Lessons) string {
	var b strings.Builder
	for _, part := range []struct{ title, text string }{
		{"Went well", l.WentWell}, {"Went wrong", l.WentWrong}, {"Got lucky", l.GotLucky},
	} {
		if text := markdown(part.text); text != "" {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString("### " + part.title + "\n\n" + text)
		}
	}
	return b.String()
}

// markdown prepares a markdown field to stand as its own block: no blank
// lines around it, a final newline, and no line that Parse could mistake for
// the DescriptionMarker.
func markdown(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	text = strings.TrimLeft(text, "\r\n")
	if text == "" {
		return ""
	}
	return defuseMarker(text) + "\n"
}

// defuseMarker indents any line that reads as the DescriptionMarker by one
// space. Markdown renders it the same (an HTML comment may be indented up to
// three spaces), but Parse, which looks for the marker at the start of a
// line, will not stop there.
func defuseMarker(text string) string {
	if !strings.Contains(text, DescriptionMarker) {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if isMarkerLine(line) {
			lines[i] = " " + line
		}
	}
	return strings.Join(lines, "\n")
}

// listItemText puts markdown text inside a list item: continuation lines
// are indented to the item's content column so they stay in the item.
func listItemText(text string, indent int) string {
	text = strings.TrimSuffix(markdown(text), "\n")
	pad := strings.Repeat(" ", indent)
	lines := strings.Split(text, "\n")
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			lines[i] = pad + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// inline writes plain text (names, titles, categories) so that it renders as
// itself on one line, also inside a table cell: line breaks become spaces and
// characters that could start emphasis, code, links, HTML, entities, table
// cells, strikethrough or a closing heading sequence are backslash-escaped.
// An underscore inside a word ("in_progress") cannot start emphasis and is
// left alone, to keep the file readable.
func inline(text string) string {
	var b strings.Builder
	runes := []rune(text)
	for i, r := range runes {
		switch r {
		case '\\', '`', '*', '[', ']', '<', '>', '&', '|', '~', '#':
			b.WriteRune('\\')
		case '_':
			if i == 0 || i == len(runes)-1 || !isWordRune(runes[i-1]) || !isWordRune(runes[i+1]) {
				b.WriteRune('\\')
			}
		case '\r', '\n':
			if r == '\n' && i > 0 && runes[i-1] == '\r' {
				continue // one space for a CRLF
			}
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func inlineList(items []string) string {
	escaped := make([]string, len(items))
	for i, s := range items {
		escaped[i] = inline(s)
	}
	return strings.Join(escaped, ", ")
}

// link writes a markdown link; a URL that markdown cannot hold between
// angle brackets is shown as text instead.
func link(l incident.Link) string {
	title := l.Title
	if strings.TrimSpace(title) == "" {
		title = l.URL
	}
	if l.URL == "" || strings.ContainsAny(l.URL, "<>\r\n") {
		return inline(title) + " (" + inline(l.URL) + ")"
	}
	return "[" + inline(title) + "](<" + strings.ReplaceAll(l.URL, `\`, `\\`) + ">)"
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// sinceStart shows a time with how long after the start it came.
func sinceStart(t *time.Time, sinceStart *time.Duration) string {
	if t == nil {
		return ""
	}
	if sinceStart == nil {
		return formatTime(t)
	}
	if *sinceStart < 0 {
		return formatTime(t) + " (" + humanDuration(-*sinceStart) + " before the start)"
	}
	return formatTime(t) + " (" + humanDuration(*sinceStart) + " after the start)"
}

// humanDuration writes a duration in days, hours and minutes: "2h 8m".
func humanDuration(d time.Duration) string {
	minutes := int64(d.Round(time.Minute) / time.Minute)
	var parts []string
	for _, unit := range []struct {
		size int64
		name string
	}{{24 * 60, "d"}, {60, "h"}, {1, "m"}} {
		if n := minutes / unit.size; n > 0 {
			parts = append(parts, strconv.FormatInt(n, 10)+unit.name)
			minutes -= n * unit.size
		}
	}
	if len(parts) == 0 {
		return "0m"
	}
	return strings.Join(parts, " ")
}
