package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

var restoredAt = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// copyOf is a file of incident id at version, as an export writes it.
func copyOf(t *testing.T, id int64, version int, title string) *incident.Incident {
	inc := storetest.Linktree(t)
	inc.ID, inc.Version, inc.Title = id, version, title
	inc.CreatedAt, inc.UpdatedAt = restoredAt, restoredAt
	return inc
}

func external(t *testing.T, id string, version int, title string) *incident.Incident {
	inc := storetest.Linktree(t)
	inc.ExternalID, inc.Version, inc.Title = id, version, title
	return inc
}

// anyIdentical marks identical copies, of which exactly one is created.
const anyIdentical incident.ImportOutcome = -1

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := slices.Insert(slices.Clone(p), i, n-1)
			out = append(out, q)
		}
	}
	return out
}

// TestImportCopiesInOneBatch: copies of one post-mortem in a batch (two
// folders of one export, an old and a new export) resolve the same way
// whatever their order: the newest version wins, older ones are superseded,
// identical ones unchanged, and copies that disagree at the newest version
// are a conflict with nothing written.
func TestImportCopiesInOneBatch(t *testing.T) {
	type file struct {
		inc     func(t *testing.T) *incident.Incident
		outcome incident.ImportOutcome
	}
	tests := []struct {
		name   string
		files  []file
		titles []string // the stored titles afterwards, sorted
	}{
		{"identical copies: one is created, the others unchanged", []file{
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 2, "Same") }, anyIdentical},
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 2, "Same") }, anyIdentical},
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 1, "Older") }, incident.ImportSuperseded},
		}, []string{"Same"}},
		{"the newest version wins", []file{
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 2, "Old") }, incident.ImportSuperseded},
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 7, "New") }, incident.ImportCreated},
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 4, "Middle") }, incident.ImportSuperseded},
		}, []string{"New"}},
		{"copies joined through external_id", []file{
			{func(t *testing.T) *incident.Incident { return external(t, "icco-42", 1, "Old") }, incident.ImportSuperseded},
			{func(t *testing.T) *incident.Incident {
				inc := copyOf(t, 5, 3, "Newest")
				inc.ExternalID = "icco-42"
				return inc
			}, incident.ImportCreated},
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 2, "Older") }, incident.ImportSuperseded},
			{func(t *testing.T) *incident.Incident { return copyOf(t, 9, 1, "Other") }, incident.ImportCreated},
		}, []string{"Newest", "Other"}},
		{"a tie at the newest version is a conflict", []file{
			{func(t *testing.T) *incident.Incident { return external(t, "icco-7", 0, "Mine") }, incident.ImportConflict},
			{func(t *testing.T) *incident.Incident { return external(t, "icco-7", 0, "Yours") }, incident.ImportConflict},
			{func(t *testing.T) *incident.Incident { return copyOf(t, 9, 1, "Other") }, incident.ImportCreated},
		}, []string{"Other"}},
		{"one id, two incidents: the earlier created keeps the id", []file{
			{func(t *testing.T) *incident.Incident { return copyOf(t, 5, 1, "Kept") }, incident.ImportCreated},
			{func(t *testing.T) *incident.Incident {
				inc := copyOf(t, 5, 1, "Moved")
				inc.CreatedAt = restoredAt.Add(time.Hour)
				return inc
			}, incident.ImportCreated},
		}, []string{"Kept", "Moved"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, order := range permutations(len(tt.files)) {
				s := storetest.Open(t, storetest.Selected(t))
				batch := make([]*incident.Incident, len(order))
				for k, i := range order {
					batch[k] = tt.files[i].inc(t)
				}
				outcomes, errs, err := s.ImportIncidents(context.Background(), batch)
				if err != nil {
					t.Fatal(err)
				}
				created := 0
				for k, i := range order {
					if tt.files[i].outcome == anyIdentical {
						switch outcomes[k] {
						case incident.ImportCreated:
							created++
						case incident.ImportUnchanged:
						default:
							t.Fatalf("order %v: identical copy %d is %v", order, i, outcomes[k])
						}
						continue
					}
					if outcomes[k] != tt.files[i].outcome {
						t.Fatalf("order %v: file %d is %v (%v), want %v", order, i, outcomes[k], errs[k], tt.files[i].outcome)
					}
					if (outcomes[k] == incident.ImportConflict) != (incident.ErrorCode(errs[k]) == incident.ECONFLICT) {
						t.Fatalf("order %v: file %d: outcome %v with error %v", order, i, outcomes[k], errs[k])
					}
				}
				if tt.files[0].outcome == anyIdentical && created != 1 {
					t.Fatalf("order %v: %d identical copies created", order, created)
				}
				page, err := s.ListIncidents(context.Background(), incident.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				var titles []string
				ids := map[string]int64{}
				for _, inc := range page.Items {
					titles = append(titles, inc.Title)
					ids[inc.Title] = inc.ID
				}
				slices.Sort(titles)
				if !slices.Equal(titles, tt.titles) {
					t.Fatalf("order %v: stored %v, want %v", order, titles, tt.titles)
				}
				if id, ok := ids["Kept"]; ok && id != 5 {
					t.Fatalf("order %v: the earlier incident got id %d", order, id)
				}
				if id, ok := ids["New"]; ok && id != 5 {
					t.Fatalf("order %v: the newest copy got id %d", order, id)
				}
				// Every copy reports the id of the incident it became.
				for k, inc := range batch {
					if outcomes[k] != incident.ImportConflict && inc.ID == 0 {
						t.Fatalf("order %v: copy %d reports no id", order, k)
					}
				}
			}
		})
	}
}

// TestStaleFileNeverUndoesAnEdit: a file older than the stored incident is
// a conflict that names the current version, and changes nothing; a file
// at the stored version with an edit updates; a newer file takes its own
// version.
func TestStaleFileNeverUndoesAnEdit(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, storetest.Selected(t))
	exported := copyOf(t, 3, 1, "As exported")
	if _, _, err := s.ImportIncidents(ctx, []*incident.Incident{exported}); err != nil {
		t.Fatal(err)
	}
	edited, err := s.GetIncident(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	edited.Title = "Edited in Aftermath"
	if err := s.UpdateIncident(ctx, edited); err != nil || edited.Version != 2 {
		t.Fatalf("edit: version %d, %v", edited.Version, err)
	}

	stale := copyOf(t, 3, 1, "As exported, edited by hand")
	outcomes, errs, err := s.ImportIncidents(ctx, []*incident.Incident{stale})
	if err != nil {
		t.Fatal(err)
	}
	var e *incident.Error
	if outcomes[0] != incident.ImportConflict || !asError(errs[0], &e) || e.Code != incident.ECONFLICT || e.CurrentVersion != 2 {
		t.Fatalf("stale file: %v %v", outcomes[0], errs[0])
	}
	if got, _ := s.GetIncident(ctx, 3); got.Title != "Edited in Aftermath" || got.Version != 2 {
		t.Fatalf("the stale file changed the incident: %q v%d", got.Title, got.Version)
	}
	// A file without a version is version 1: stale too.
	unversioned := copyOf(t, 3, 0, "No version")
	if outcomes, _, _ := s.ImportIncidents(ctx, []*incident.Incident{unversioned}); outcomes[0] != incident.ImportConflict {
		t.Fatalf("unversioned file over version 2: %v", outcomes[0])
	}

	current := copyOf(t, 3, 2, "Edited again, from the current export")
	if outcomes, errs, _ := s.ImportIncidents(ctx, []*incident.Incident{current}); outcomes[0] != incident.ImportUpdated || current.Version != 3 {
		t.Fatalf("edit at the current version: %v %v version %d", outcomes[0], errs[0], current.Version)
	}
	newer := copyOf(t, 3, 9, "From an instance that saw more edits")
	if outcomes, _, _ := s.ImportIncidents(ctx, []*incident.Incident{newer}); outcomes[0] != incident.ImportUpdated || newer.Version != 9 {
		t.Fatalf("newer file: %v version %d", outcomes[0], newer.Version)
	}
	// An unchanged old file is not a conflict: it would change nothing.
	same := copyOf(t, 3, 1, newer.Title)
	if outcomes, _, _ := s.ImportIncidents(ctx, []*incident.Incident{same}); outcomes[0] != incident.ImportUnchanged {
		t.Fatalf("an old file with the current content: %v", outcomes[0])
	}
}

// TestUpdateThatChangesNothingKeepsTheVersion: a write of the stored
// content is no write.
func TestUpdateThatChangesNothingKeepsTheVersion(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, storetest.Selected(t))
	inc := storetest.Linktree(t)
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return inc.UpdatedAt.Add(time.Hour) }
	same, _ := s.GetIncident(ctx, inc.ID)
	same.Service = strings.ToUpper(same.Service) // one service, however spelt
	if err := s.UpdateIncident(ctx, same); err != nil {
		t.Fatal(err)
	}
	stored, _ := s.GetIncident(ctx, inc.ID)
	if same.Version != 1 || stored.Version != 1 || !stored.UpdatedAt.Equal(inc.UpdatedAt) {
		t.Fatalf("a no-op update: answered v%d, stored v%d updated %s", same.Version, stored.Version, stored.UpdatedAt)
	}
	// Removing a required field is refused, not reset to its default.
	for _, clear := range []func(*incident.Incident){
		func(i *incident.Incident) { i.Status = "" },
		func(i *incident.Incident) { i.PostmortemStatus = "" },
		func(i *incident.Incident) { i.DetectionMethod = "" },
	} {
		changed, _ := s.GetIncident(ctx, inc.ID)
		clear(changed)
		if err := s.UpdateIncident(ctx, changed); incident.ErrorCode(err) != incident.EINVALID {
			t.Fatalf("an update without a required field: %v", err)
		}
	}
}

// TestImportMatchesByIDOnlyWithTheSameCreation: a file whose id belongs to
// another incident (another created_at) is another incident: it is created
// under a new id and the stored one is untouched.
func TestImportMatchesByIDOnlyWithTheSameCreation(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, storetest.Selected(t))
	mine := copyOf(t, 4, 1, "Mine")
	if _, _, err := s.ImportIncidents(ctx, []*incident.Incident{mine}); err != nil {
		t.Fatal(err)
	}
	theirs := copyOf(t, 4, 6, "Theirs")
	theirs.CreatedAt = restoredAt.Add(-24 * time.Hour)
	outcomes, _, err := s.ImportIncidents(ctx, []*incident.Incident{theirs})
	if err != nil || outcomes[0] != incident.ImportCreated || theirs.ID == 4 {
		t.Fatalf("%v id %d %v", outcomes, theirs.ID, err)
	}
	if got, _ := s.GetIncident(ctx, 4); got.Title != "Mine" || got.Version != 1 {
		t.Fatalf("incident 4 became %q v%d", got.Title, got.Version)
	}
	if got, _ := s.GetIncident(ctx, theirs.ID); got.Title != "Theirs" || got.Version != 6 || !got.CreatedAt.Equal(theirs.CreatedAt) {
		t.Fatalf("the other incident: %q v%d created %s", got.Title, got.Version, got.CreatedAt)
	}
}

func asError(err error, target **incident.Error) bool {
	e, ok := err.(*incident.Error)
	if ok {
		*target = e
	}
	return ok
}
