package catalog_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// FuzzParse: whatever a catalogue upload holds, Parse answers a catalogue
// or an *incident.Error (never a panic, never another error), and a
// catalogue that validates writes out in our format and reads back to the
// same bytes.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{filepath.Join("testdata", "backstage"), filepath.Join("..", "..", "examples")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("format: aftermath-catalog/1\nservices: []\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := catalog.Parse(data)
		if err != nil {
			var e *incident.Error
			if !errors.As(err, &e) {
				t.Fatalf("error of another kind: %T %v", err, err)
			}
			return
		}
		for i := range cat.Services {
			svc := &cat.Services[i]
			svc.Key = incident.ServiceKey(svc.Name)
			svc.ServiceInfo.Normalize()
			for k := range svc.FailureModes {
				svc.FailureModes[k].ServiceKey = svc.Key
				svc.FailureModes[k].Normalize()
			}
		}
		if cat.Validate() != nil {
			return
		}
		out, err := catalog.Marshal(cat.Services)
		if err != nil {
			t.Fatalf("a valid catalogue does not write: %v", err)
		}
		back, err := catalog.Parse(out)
		if err != nil {
			t.Fatalf("our own file does not read back: %v\n%s", err, out)
		}
		again, err := catalog.Marshal(back.Services)
		if err != nil || string(again) != string(out) {
			t.Fatalf("the file changed on a round trip (%v):\n%s\n---\n%s", err, out, again)
		}
	})
}
