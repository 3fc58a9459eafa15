package incident

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// AuditEntry is one change in the audit log: who made it, with what
// credentials, from where, when, and the before and after of each field it
// changed. Entries are numbered without gaps and chained by hash.
type AuditEntry struct {
	Seq      int64         `json:"seq"`
	At       time.Time     `json:"at"`
	Actor    Actor         `json:"actor"`
	Action   string        `json:"action"`
	Entity   string        `json:"entity"`
	EntityID string        `json:"entity_id,omitempty"`
	Changes  []FieldChange `json:"changes"`
	// Hash is the entry's link in the chain, hex.
	Hash string `json:"hash"`
}

// FieldChange is one field's value before and after a change, as JSON.
// Before is absent for what was created, After for what was deleted.
type FieldChange struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Actor  string // the actor's name
	Action string
	// Entity is a kind ("incident") or a kind and id ("incident/42").
	Entity       string
	Since, Until *time.Time
	// Before is the cursor: entries with a lower seq; 0 for the newest.
	Before int64
	Limit  int
}

// AuditPage is one page of audit entries.
type AuditPage struct {
	Items      []AuditEntry `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// AuditCheck is what VerifyAudit found.
type AuditCheck struct {
	Entries int64
	Head    string // the last entry's hash, hex
	// Problem names the first entry that does not fit the chain, and
	// how; empty when the chain is whole.
	Problem string
	BadSeq  int64
}

// Changes lists the top-level JSON fields that differ between before and
// after (either may be nil: a creation or a deletion), by field name.
// Fields named in skip are left out; so are fields empty on both sides.
func Changes(before, after any, skip ...string) ([]FieldChange, error) {
	b, err := jsonFields(before)
	if err != nil {
		return nil, err
	}
	a, err := jsonFields(after)
	if err != nil {
		return nil, err
	}
	var names []string
	for k := range b {
		names = append(names, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var out []FieldChange
	for _, name := range names {
		if slices.Contains(skip, name) {
			continue
		}
		bv, av := b[name], a[name]
		if bytes.Equal(bv, av) || emptyJSON(bv) && emptyJSON(av) {
			continue
		}
		c := FieldChange{Field: name}
		if !emptyJSON(bv) || before != nil && after != nil {
			c.Before = orNull(bv)
		}
		if !emptyJSON(av) || before != nil && after != nil {
			c.After = orNull(av)
		}
		out = append(out, c)
	}
	return out, nil
}

// Set is a FieldChange recording a value that was set (After only).
func Set(field string, value any) FieldChange {
	data, _ := json.Marshal(value)
	return FieldChange{Field: field, After: data}
}

// Changed is a FieldChange from one value to another.
func Changed(field string, before, after any) FieldChange {
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	return FieldChange{Field: field, Before: b, After: a}
}

func jsonFields(v any) (map[string]json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	return fields, nil
}

func emptyJSON(v json.RawMessage) bool {
	switch string(v) {
	case "", "null", `""`, "[]", "{}":
		return true
	}
	return false
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}
