package archive

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// Beside its post-mortems, an archive (an export folder or zip) holds what
// an empty database needs to show the same incidents. Each is a YAML file
// written by postmortem.MarshalYAMLFile (fixed field order, deterministic
// bytes, strings that read back exactly) and read back as strictly as a
// post-mortem's front matter. Each starts with a format line naming what it
// is and its version, so that a later version can be told from this one.
//
//	catalog.yaml          the service catalogue: every service with its
//	                      name, when it was first seen, what it depends on
//	                      and the industries that depend on it
//	vocabulary.yaml       every category of the cause and gap vocabularies
//	NAME.comments.yaml    the discussion of the post-mortem NAME.md
//
// catalog.yaml lists services as a mapping each, so that what a service
// carries can grow (failure modes, owners) without a new file.
const (
	CatalogFile    = "catalog.yaml"
	VocabularyFile = "vocabulary.yaml"
	commentsSuffix = ".comments.yaml"

	catalogFormat    = "aftermath-catalog/1"
	vocabularyFormat = "aftermath-vocabulary/1"
	commentsFormat   = "aftermath-comments/1"
)

type catalogFile struct {
	Format   string           `yaml:"format"`
	Services []catalogService `yaml:"services"`
}

type catalogService struct {
	Key        string    `yaml:"key"` // derived from name; written for people and references
	Name       string    `yaml:"name"`
	CreatedAt  time.Time `yaml:"created_at"`
	DependsOn  []string  `yaml:"depends_on"` // keys
	Industries []string  `yaml:"industries"`
}

type vocabularyFile struct {
	Format     string          `yaml:"format"`
	Categories []vocabularyRow `yaml:"categories"`
}

type vocabularyRow struct {
	Kind        incident.VocabularyKind `yaml:"kind"`
	Slug        string                  `yaml:"slug"`
	Description string                  `yaml:"description"`
}

type commentsFile struct {
	Format string `yaml:"format"`
	// Incident is the id the post-mortem had where it was exported; the
	// comments go to whatever incident the post-mortem file becomes.
	Incident int64         `yaml:"incident"`
	Comments []commentYAML `yaml:"comments"`
}

type commentYAML struct {
	ID        int64     `yaml:"id"`
	Author    string    `yaml:"author"`
	CreatedAt time.Time `yaml:"created_at"`
	Body      string    `yaml:"body"`
}

func newCatalogFile(services []store.CatalogService) *catalogFile {
	f := &catalogFile{Format: catalogFormat, Services: []catalogService{}}
	for _, s := range services {
		f.Services = append(f.Services, catalogService{Key: s.Key, Name: s.Name, CreatedAt: s.CreatedAt,
			DependsOn: s.DependsOn, Industries: s.Industries})
	}
	return f
}

func (f *catalogFile) services() []store.CatalogService {
	out := make([]store.CatalogService, len(f.Services))
	for i, s := range f.Services {
		out[i] = store.CatalogService{Service: incident.Service{Key: s.Key, Name: s.Name,
			DependsOn: s.DependsOn, Industries: s.Industries}, CreatedAt: s.CreatedAt}
	}
	return out
}

func newVocabularyFile(categories []incident.Category) *vocabularyFile {
	f := &vocabularyFile{Format: vocabularyFormat, Categories: []vocabularyRow{}}
	for _, c := range categories {
		f.Categories = append(f.Categories, vocabularyRow(c))
	}
	return f
}

func (f *vocabularyFile) categories() []incident.Category {
	out := make([]incident.Category, len(f.Categories))
	for i, c := range f.Categories {
		out[i] = incident.Category(c)
	}
	return out
}

func newCommentsFile(incidentID int64, comments []incident.Comment) *commentsFile {
	f := &commentsFile{Format: commentsFormat, Incident: incidentID}
	for _, c := range comments {
		f.Comments = append(f.Comments, commentYAML{ID: c.ID, Author: c.Author, CreatedAt: c.CreatedAt, Body: c.Body})
	}
	return f
}

func (f *commentsFile) comments() []incident.Comment {
	out := make([]incident.Comment, len(f.Comments))
	for i, c := range f.Comments {
		out[i] = incident.Comment{ID: c.ID, Author: c.Author, CreatedAt: c.CreatedAt, Body: c.Body}
	}
	return out
}

// commentsFileOf is the name of the comments beside post-mortem path.
func commentsFileOf(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + commentsSuffix
}
