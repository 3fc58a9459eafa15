package catalog

import (
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
)

// FileName is what an archive calls its catalogue, beside the post-mortems.
const FileName = "catalog.yaml"

// Format is the first line of our catalogue file: what it is and which
// version of it. Version 1 grew (catalogue fields, failure modes) without a
// new number: every field added is optional, so a file written before them
// reads as it did.
const Format = "aftermath-catalog/1"

// The file's shape. Each service is a mapping, so that what a service
// carries can grow; fields are written in this order, every one every
// time, like a post-mortem's front matter (postmortem.MarshalYAMLFile).
type file struct {
	Format   string        `yaml:"format"`
	Services []serviceYAML `yaml:"services"`
}

type serviceYAML struct {
	Key          string            `yaml:"key"` // derived from name; written for people and references
	Name         string            `yaml:"name"`
	CreatedAt    time.Time         `yaml:"created_at"`
	UpdatedAt    time.Time         `yaml:"updated_at"` // null: the catalogue fields never changed
	Kind         string            `yaml:"kind"`
	Type         string            `yaml:"type"`
	Description  string            `yaml:"description"`
	Owner        string            `yaml:"owner"`
	Lifecycle    string            `yaml:"lifecycle"`
	System       string            `yaml:"system"`
	Tags         []string          `yaml:"tags"`
	Annotations  []annotationYAML  `yaml:"annotations"`
	DependsOn    []string          `yaml:"depends_on"` // keys
	Industries   []string          `yaml:"industries"`
	FailureModes []failureModeYAML `yaml:"failure_modes"`
}

type annotationYAML struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value"`
}

type failureModeYAML struct {
	Slug            string                     `yaml:"slug"`
	Title           string                     `yaml:"title"`
	Description     string                     `yaml:"description"`
	Detection       string                     `yaml:"detection"`
	Mitigation      string                     `yaml:"mitigation"`
	Status          incident.FailureModeStatus `yaml:"status"`
	StatusChangedAt time.Time                  `yaml:"status_changed_at"`
	History         []statusChangeYAML         `yaml:"history"`
	Version         int                        `yaml:"version"`
	CreatedAt       time.Time                  `yaml:"created_at"`
	UpdatedAt       time.Time                  `yaml:"updated_at"`
}

type statusChangeYAML struct {
	Status incident.FailureModeStatus `yaml:"status"`
	At     time.Time                  `yaml:"at"`
	By     string                     `yaml:"by"`
}

// Marshal writes services as our catalogue file: deterministic bytes, that
// Parse reads back into the same catalogue.
func Marshal(services []incident.CatalogService) ([]byte, error) {
	f := &file{Format: Format, Services: []serviceYAML{}}
	for _, s := range services {
		y := serviceYAML{
			Key: s.Key, Name: s.Name, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
			Kind: s.Kind, Type: s.Type, Description: s.Description, Owner: s.Owner,
			Lifecycle: s.Lifecycle, System: s.System, Tags: s.Tags,
			DependsOn: s.DependsOn, Industries: s.Industries,
		}
		for _, a := range s.Annotations {
			y.Annotations = append(y.Annotations, annotationYAML(a))
		}
		for _, m := range s.FailureModes {
			fm := failureModeYAML{
				Slug: m.Slug, Title: m.Title, Description: m.Description, Detection: m.Detection,
				Mitigation: m.Mitigation, Status: m.Status, StatusChangedAt: m.StatusChangedAt,
				Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
			}
			for _, c := range m.History {
				fm.History = append(fm.History, statusChangeYAML(c))
			}
			y.FailureModes = append(y.FailureModes, fm)
		}
		f.Services = append(f.Services, y)
	}
	return postmortem.MarshalYAMLFile(f)
}

// parseOwn reads our catalogue file, as strictly as a post-mortem's front
// matter: an unknown key or a value of the wrong shape is refused with its
// line.
func parseOwn(data []byte) (*incident.Catalog, error) {
	var f file
	if err := postmortem.UnmarshalYAMLFile(data, &f); err != nil {
		return nil, err
	}
	if f.Format != Format {
		return nil, incident.Errorf(incident.EMALFORMED, "format: must be %s, the format this version of Aftermath reads; the file says %q", Format, f.Format)
	}
	cat := &incident.Catalog{}
	for _, y := range f.Services {
		s := incident.CatalogService{
			Service: incident.Service{Key: y.Key, Name: y.Name, DependsOn: y.DependsOn, Industries: y.Industries,
				ServiceInfo: incident.ServiceInfo{Kind: y.Kind, Type: y.Type, Description: y.Description,
					Owner: y.Owner, Lifecycle: y.Lifecycle, System: y.System, Tags: y.Tags}},
			CreatedAt: y.CreatedAt, UpdatedAt: y.UpdatedAt,
		}
		for _, a := range y.Annotations {
			s.Annotations = append(s.Annotations, incident.Annotation(a))
		}
		for _, fm := range y.FailureModes {
			m := incident.FailureMode{
				Slug: fm.Slug, Title: fm.Title, Description: fm.Description, Detection: fm.Detection,
				Mitigation: fm.Mitigation, Status: fm.Status, StatusChangedAt: fm.StatusChangedAt,
				Version: fm.Version, CreatedAt: fm.CreatedAt, UpdatedAt: fm.UpdatedAt,
			}
			for _, c := range fm.History {
				m.History = append(m.History, incident.StatusChange(c))
			}
			s.FailureModes = append(s.FailureModes, m)
		}
		cat.Services = append(cat.Services, s)
	}
	return cat, nil
}
