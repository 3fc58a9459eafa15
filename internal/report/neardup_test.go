package report

import "testing"

// TestNearIdentical: the one-text test agrees with the report's threshold
// (token Jaccard ≥ 3/5, stop words, case and numbers aside).
func TestNearIdentical(t *testing.T) {
	base := "Database connection pool exhausted by a recycling bug in the payment service"
	tests := []struct {
		other string
		want  bool
	}{
		{base, true},
		{"DATABASE connection pool was exhausted by the recycling bug of the payment service", true},
		{"Database connection pool exhausted by a recycling bug in the payment service after 12 minutes", true},
		{"Database connection pool exhausted in the checkout service", false},
		{"The certificate for the API gateway expired overnight", false},
		{"bad deploy", false},
	}
	for _, tt := range tests {
		if got := NearIdentical(base, tt.other); got != tt.want {
			t.Errorf("NearIdentical(%q) = %v, want %v", tt.other, got, tt.want)
		}
		if got := NearIdentical(tt.other, base); got != tt.want {
			t.Errorf("not symmetric for %q", tt.other)
		}
	}
	if len(SimilarityKeys("bad deploy")) != 0 || len(SimilarityKeys(base)) == 0 {
		t.Error("keys for a short text, or none for a long one")
	}
	a, b := SimilarityKeys(base), SimilarityKeys("DATABASE connection pool was exhausted by the recycling bug of the payment service")
	shared := 0
	for _, k := range a {
		for _, l := range b {
			if k == l {
				shared++
			}
		}
	}
	if shared == 0 {
		t.Errorf("two identical token sets share no key: %v %v", a, b)
	}
}
