package archive

import (
	"slices"
	"testing"
)

func TestSortForImport(t *testing.T) {
	files := []string{
		"b/notes.md",
		"a/2025-01-02-api-outage-12.md",
		"b/2024-06-01-db-failover-3.md",
		"a/notes.md",
		"b/2025-01-02-api-outage-12.md",
		"a/2023-01-01-undated-thing-100.md",
	}
	sortForImport(files)
	want := []string{
		"b/2024-06-01-db-failover-3.md",
		"a/2025-01-02-api-outage-12.md", // same id: by path
		"b/2025-01-02-api-outage-12.md",
		"a/2023-01-01-undated-thing-100.md",
		"a/notes.md", // no id: after the rest, by path
		"b/notes.md",
	}
	if !slices.Equal(files, want) {
		t.Errorf("order\n%v\nwant\n%v", files, want)
	}
}
