package seed_test

import (
	"fmt"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
)

// A seed command generates incidents in batches and stores them; the same
// seed and anchor time always give the same data.
func ExampleGenerator() {
	g := seed.NewGenerator(42, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	for _, inc := range g.Batch(3) {
		if err := inc.ValidateFiled(incident.DefaultVocabulary()); err != nil {
			panic(err)
		}
		fmt.Println(inc.Severity, inc.Service, inc.PrimaryCause.Category)
	}
}
