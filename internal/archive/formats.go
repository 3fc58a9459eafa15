package archive

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Beside its post-mortems, an archive (an export folder or zip) holds what
// an empty database needs to show the same incidents. Each is a YAML file
// written by postmortem.MarshalYAMLFile (fixed field order, deterministic
// bytes, strings that read back exactly) and read back as strictly as a
// post-mortem's front matter. Each starts with a format line naming what it
// is and its version, so that a later version can be told from this one.
//
//	catalog.yaml          the service catalogue: every service with what the
//	                      catalogue says of it, what it depends on, the
//	                      industries that depend on it and its failure modes
//	                      (package catalog writes and reads it)
//	vocabulary.yaml       every category of the cause and gap vocabularies
//	NAME.comments.yaml    the discussion of the post-mortem NAME.md
const (
	CatalogFile    = catalog.FileName
	VocabularyFile = "vocabulary.yaml"
	commentsSuffix = ".comments.yaml"

	vocabularyFormat = "aftermath-vocabulary/1"
	commentsFormat   = "aftermath-comments/1"
)

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
