package incident

import (
	"fmt"
	"time"
)

// Catalog is a service catalogue to import or as exported: every service
// with what the catalogue says about it, its dependencies, the industries
// that depend on it and its failure modes. A Backstage descriptor file and
// our own export both read into it (package catalog).
type Catalog struct {
	Services []CatalogService
	// Notes say what a file held that is not a service (an API, a Group,
	// a Location), so that an import can tell what it passed over.
	Notes []string
}

// CatalogService is one service of a catalogue. Its Dependents are not
// read on import: an edge is written once, by the service that depends.
type CatalogService struct {
	Service
	// CreatedAt is when the service was first seen; zero when the file
	// does not say (an import then uses its own time).
	CreatedAt time.Time
	// UpdatedAt is when its catalogue fields last changed. A file's entry
	// no newer than the stored service's is not applied, so that an old
	// export never undoes an edit; zero (a Backstage descriptor, a file
	// written by hand) is taken as current.
	UpdatedAt    time.Time
	FailureModes []FailureMode
}

// Validate checks every service of the catalogue with the rules a single
// edit is held to, naming each problem by its place in the catalogue
// ("services[2].failure_modes[0].status").
func (c *Catalog) Validate() error {
	var errs FieldErrors
	seen := map[string]int{}
	for i := range c.Services {
		svc := &c.Services[i]
		p := fmt.Sprintf("services[%d].", i)
		requiredName(&errs, p+"name", svc.Name, MaxShortText)
		key := ServiceKey(svc.Name)
		switch {
		case svc.Name != "" && key == "":
			errs.Add(p+"name", "must contain at least one letter or digit")
		case svc.Key != "" && svc.Key != key:
			errs.Add(p+"key", fmt.Sprintf("must be %q, the key of its name", key))
		}
		if first, dup := seen[key]; dup && key != "" {
			errs.Add(p+"name", fmt.Sprintf("names the same service as services[%d]", first))
		}
		seen[key] = i
		change := ServiceChange{DependsOn: &svc.DependsOn, Industries: &svc.Industries}
		if err := change.Validate(key); err != nil {
			for field, msg := range err.(*Error).Fields {
				errs.Add(p+field, msg)
			}
		}
		svc.ServiceInfo.validate(&errs, p)
		if len(svc.FailureModes) > MaxFailureModesPerService {
			errs.Add(p+"failure_modes", fmt.Sprintf("must have at most %d entries", MaxFailureModesPerService))
		}
		slugs := map[string]int{}
		for k := range svc.FailureModes {
			m := &svc.FailureModes[k]
			mp := fmt.Sprintf("%sfailure_modes[%d].", p, k)
			m.validate(&errs, mp)
			if first, dup := slugs[m.Slug]; dup {
				errs.Add(mp+"slug", fmt.Sprintf("is the slug of failure_modes[%d] too", first))
			}
			slugs[m.Slug] = k
		}
	}
	return errs.ErrAs(EINVALID, "The catalogue is not valid.")
}

// CatalogImport says what importing a catalogue did.
type CatalogImport struct {
	ServicesCreated       int `json:"services_created"`
	ServicesUpdated       int `json:"services_updated"`
	ServicesUnchanged     int `json:"services_unchanged"`
	FailureModesCreated   int `json:"failure_modes_created"`
	FailureModesUpdated   int `json:"failure_modes_updated"`
	FailureModesUnchanged int `json:"failure_modes_unchanged"`
	// Kept names the entries the database has a newer version of, which
	// the import left as they were ("service linktree", "failure mode
	// linktree/pool-exhaustion").
	Kept []string `json:"kept"`
	// Notes say what the files held that is not a service.
	Notes []string `json:"notes"`
}
