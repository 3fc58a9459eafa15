package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// FuzzMergePatch checks JSON merge patches twice over. As a function,
// mergePatch must follow RFC 7396 (null removes, objects merge key by key,
// anything else replaces, keys the patch does not name stay) and be
// idempotent, and applyPatch must refuse bad results as the client's
// fault, never as an internal error. Through PATCH /api/v1/incidents/{id}
// at the current version, the server never answers 5xx, a refused patch
// changes nothing, and an accepted one is stored exactly as answered.
func FuzzMergePatch(f *testing.F) {
	for _, seed := range []string{
		`{"severity": "SEV2"}`,
		`{"title": null}`,
		`{"summary": "new", "tags": ["a", "a", " b"]}`,
		`{"impact": {"affected_users": null, "description": "x"}}`,
		`{"impact": "flat"}`,
		`{"primary_cause": {"category": "database", "trigger": null}}`,
		`{"contributing_factors": [], "detection_gaps": null}`,
		`{"action_items": [{"title": "t", "kind": "prevent", "addresses": "detection_gaps[9]"}]}`,
		`{"started_at": "2030-01-01T00:00:00Z"}`,
		`{"resolved_at": "0000-01-01T00:00:00+01:00"}`,
		`{"extra": {"k": {"x": null, "y": [1, 2.5e300]}}}`,
		`{"links": [{"title": "x", "url": "ftp://x"}]}`,
		`{"service": "LINKTREE"}`,
		`{"id": 9, "created_at": "x", "version": "1"}`,
		`{"a": {"b": {"c": {"d": null}}}}`,
		`[]`, `null`, `"x"`, `{`,
	} {
		f.Add([]byte(seed))
	}
	example, err := os.ReadFile("../../examples/linktree-payment-outage.json")
	if err != nil {
		f.Fatal(err)
	}
	srv, _ := newLoggedServer(f)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, testRequest(f, srv, "POST", "/api/v1/incidents", bytes.NewReader(example)))
	if w.Code != http.StatusCreated {
		f.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var created incident.Incident
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
		f.Fatal(err)
	}
	path := "/api/v1/incidents/" + strconv.FormatInt(created.ID, 10)

	f.Fuzz(func(t *testing.T, patchJSON []byte) {
		current := get(t, srv, path)
		var inc incident.Incident
		if err := json.Unmarshal(current, &inc); err != nil {
			t.Fatal(err)
		}
		patch := decodeNumbers(patchJSON)
		if obj, ok := patch.(map[string]any); ok {
			checkMergePatch(t, &inc, obj)
			obj["version"] = json.Number(strconv.Itoa(inc.Version))
			patchJSON, _ = json.Marshal(obj)
		}

		w := httptest.NewRecorder()
		srv.ServeHTTP(w, testRequest(t, srv, "PATCH", path, bytes.NewReader(patchJSON)))
		after := get(t, srv, path)
		switch {
		case w.Code >= 500:
			t.Fatalf("status %d for %s: %s", w.Code, patchJSON, w.Body)
		case w.Code == http.StatusOK:
			if !bytes.Equal(w.Body.Bytes(), after) {
				t.Fatalf("stored differs from answered for %s:\nanswered %s\nstored   %s", patchJSON, w.Body, after)
			}
		default:
			var e errorBody
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("status %d not in the error shape: %s", w.Code, w.Body)
			}
			if !bytes.Equal(current, after) {
				t.Fatalf("a refused patch (%d %s) changed the incident:\nbefore %s\nafter  %s", w.Code, w.Body, current, after)
			}
		}
	})
}

// checkMergePatch applies patch to inc's JSON and checks RFC 7396.
func checkMergePatch(t *testing.T, inc *incident.Incident, patch map[string]any) {
	encoded, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	original := decodeNumbers(encoded).(map[string]any)
	once := mergePatch(decodeNumbers(encoded).(map[string]any), patch)
	checkMerged(t, "", original, patch, once)
	again, _ := json.Marshal(once)
	if twice := mergePatch(decodeNumbers(again).(map[string]any), patch); !reflect.DeepEqual(twice, once) {
		t.Fatalf("applying %v twice differs from once", patch)
	}
	if _, err := applyPatch(inc, patch); err != nil && incident.ErrorCode(err) == incident.EINTERNAL {
		t.Fatalf("applyPatch(%v): internal error %v", patch, err)
	}
}

// checkMerged: every key of result is explained by original or patch.
func checkMerged(t *testing.T, at string, original, patch, result map[string]any) {
	for k := range result {
		_, inPatch := patch[k]
		_, inOriginal := original[k]
		if !inPatch && !inOriginal {
			t.Fatalf("%s%s appeared from nowhere", at, k)
		}
	}
	for k, v := range patch {
		got, present := result[k]
		switch v := v.(type) {
		case nil:
			if present {
				t.Fatalf("%s%s: null did not remove it", at, k)
			}
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok {
				t.Fatalf("%s%s: an object patch gave %T", at, k, got)
			}
			before, _ := original[k].(map[string]any)
			checkMerged(t, at+k+".", before, v, sub)
		default:
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("%s%s = %v, want %v", at, k, got, v)
			}
		}
	}
	for k, v := range original {
		if _, inPatch := patch[k]; !inPatch && !reflect.DeepEqual(result[k], v) {
			t.Fatalf("%s%s changed without being patched", at, k)
		}
	}
}

func decodeNumbers(data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil
	}
	return v
}

func get(t *testing.T, srv *Server, path string) []byte {
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, testRequest(t, srv, "GET", path, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return w.Body.Bytes()
}
