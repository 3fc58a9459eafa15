package postmortem

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/seed"
)

// identityCases are front matters that ReadIdentity must read exactly or
// leave to Parse.
var identityCases = []string{
	"---\nid: 12\nexternal_id: abc-1\ntitle: T\n---\n",
	"---\nid: null\nexternal_id: \"\"\ntitle: T\n---\n",
	"---\nid: 12\nexternal_id: \"quoted\"\n---\n",
	"---\nid: 12\nexternal_id: 'single'\n---\n",
	"---\nid: 12\nexternal_id: \"with \\\" escape\"\n---\n",
	"---\nid: 12 # a comment\n---\n",
	"---\nid: 0x10\n---\n",
	"---\nid: 012\n---\n",
	"---\nid: 1_000\n---\n",
	"---\nid: -5\n---\n",
	"---\nid: \"5\"\n---\n",
	"---\nid:\n  5\n---\n",
	"---\nexternal_id:\n- a\n---\n",
	"---\nexternal_id: true\n---\n",
	"---\nexternal_id: 2024-01-01\n---\n",
	"---\nexternal_id: 1e3\n---\n",
	"---\nexternal_id: ~\n---\n",
	"---\nexternal_id: a\n  b\n---\n",
	"---\n\"id\": 5\n---\n",
	"---\n{id: 5}\n---\n",
	"---\nid: 5\nid: 6\n---\n",
	"---\nuuid: u-1\ncompany: C\n---\n",
	"---\nuuid: u-1\ncompany: C\nid: 7\n---\n",
	"---\nuuid: u-1\nservice: S\nid: 7\n---\n",
	"---\ntitle: only\n---\n",
	"\uFEFF---\r\nid: 3\r\nexternal_id: x\r\n---\r\n",
	"---\nid: 3\n...\n---\n",
	"---\n# comment\nid: 9\n\ntags:\n- a\n---\n",
	"no front matter",
	"---\nid: 3\n",
}

// identityAgrees checks that ReadIdentity, when it reads an identity from
// the whole file or from any of its first lines, reads what Parse does.
func identityAgrees(t *testing.T, data []byte) {
	t.Helper()
	inc, err := Parse(data)
	if err != nil {
		return
	}
	ends := []int{len(data)} // the whole file, and each run of whole lines
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	for _, end := range ends {
		id, ok := ReadIdentity(data[:end])
		if ok && (id.ID != inc.ID || id.ExternalID != inc.ExternalID) {
			t.Fatalf("ReadIdentity of the first %d bytes: %+v, Parse: id %d external_id %q in\n%s", end, id, inc.ID, inc.ExternalID, data)
		}
	}
}

func TestReadIdentityAgreesWithParse(t *testing.T) {
	for _, c := range identityCases {
		identityAgrees(t, []byte(c))
	}
	// Everything Marshal writes is read without parsing.
	incs := append(seed.NewGenerator(4, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(200), linktree(t), everything())
	for i, inc := range incs {
		inc.ID = int64(i + 1)
		data := mustMarshal(t, inc)
		if _, ok := ReadIdentity(data); !ok {
			t.Fatalf("ReadIdentity cannot read what Marshal wrote:\n%s", data)
		}
		identityAgrees(t, data)
	}
	if dir := os.Getenv("AFTERMATH_CORPUS"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ReadIdentity(data); !ok {
				t.Errorf("%s: ReadIdentity cannot read it", f)
			}
			identityAgrees(t, data)
		}
	}
	if id, ok := ReadIdentity([]byte(identityCases[0])); !ok || id.ID != 12 || id.ExternalID != "abc-1" {
		t.Fatalf("ReadIdentity = %+v, %v", id, ok)
	}
}

// FuzzReadIdentity: whatever the bytes, an identity read without parsing
// is the one Parse gives.
func FuzzReadIdentity(f *testing.F) {
	for _, c := range identityCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(iccoFull))
	f.Fuzz(func(t *testing.T, data []byte) {
		identityAgrees(t, data)
	})
}
