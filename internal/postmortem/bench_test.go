package postmortem

// The budget is well under 1 ms per export. It is checked by running these
// benchmarks, not by a test: on a shared machine wall-clock timings vary
// too much for a pass/fail bound.

import "testing"

func BenchmarkMarshal(b *testing.B) {
	inc := linktree(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(inc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data := mustMarshal(b, linktree(b))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderIncidentHTML(b *testing.B) {
	inc := linktree(b)
	b.ReportAllocs()
	for b.Loop() {
		RenderIncidentHTML(inc)
	}
}
