// Package examples holds the example incidents that `aftermath serve --demo`
// loads, the README walks through and the tests build on. They are embedded
// in the binary.
package examples

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Files holds the example post-mortems as API JSON (*.json).
//
//go:embed *.json
var Files embed.FS

// Catalogs holds the example service catalogue: the Backstage descriptors
// of the services around the Linktree outage (catalog-info.yaml) and their
// failure modes and industries in our own format (linktree-catalog.yaml).
//
//go:embed catalog-info.yaml linktree-catalog.yaml
var Catalogs embed.FS

// The example catalogue files, in the order to import them.
var CatalogFiles = []string{"catalog-info.yaml", "linktree-catalog.yaml"}

// LinktreeFailureModes are the known failure modes that materialised in
// the Linktree outage, as its incident links them once the example
// catalogue is loaded.
var LinktreeFailureModes = []string{"db-pool-exhaustion", "campaign-traffic-spike", "paymentsdb/missing-index-slow-queries"}

// LinktreeFile is the incident the design started from: the Linktree
// payment outage.
const LinktreeFile = "linktree-payment-outage.json"

// Incident decodes one example, as a client would send it to the API.
func Incident(name string) (*incident.Incident, error) {
	data, err := fs.ReadFile(Files, name)
	if err != nil {
		return nil, err
	}
	var inc incident.Incident
	if err := json.Unmarshal(data, &inc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &inc, nil
}

// Incidents decodes every example.
func Incidents() ([]*incident.Incident, error) {
	names, err := fs.Glob(Files, "*.json")
	if err != nil {
		return nil, err
	}
	incs := make([]*incident.Incident, 0, len(names))
	for _, name := range names {
		inc, err := Incident(name)
		if err != nil {
			return nil, err
		}
		incs = append(incs, inc)
	}
	return incs, nil
}
