package store

import (
	"context"
	"errors"
	"slices"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Vocabulary loads the category vocabularies that incidents are validated
// against. It is read on every write rather than cached, so that several
// instances sharing one database agree at once when an admin extends it.
func (s *Store) Vocabulary(ctx context.Context) (incident.Vocabulary, error) {
	var rows []categoryRow
	if err := s.reader.WithContext(ctx).Order("slug").Find(&rows).Error; err != nil {
		return incident.Vocabulary{}, err
	}
	v := incident.Vocabulary{Causes: []string{}, Gaps: []string{}}
	for _, r := range rows {
		if incident.VocabularyKind(r.Kind) == incident.GapVocabulary {
			v.Gaps = append(v.Gaps, r.Slug)
		} else {
			v.Causes = append(v.Causes, r.Slug)
		}
	}
	slices.Sort(v.Causes)
	slices.Sort(v.Gaps)
	return v, nil
}

// Categories lists every vocabulary entry, by kind then slug.
func (s *Store) Categories(ctx context.Context) ([]incident.Category, error) {
	var out []incident.Category
	err := s.Snapshot(ctx, func(sn *Snapshot) error {
		var err error
		out, err = sn.Categories()
		return err
	})
	return out, err
}

// AddCategory extends a vocabulary. Categories are never removed: incidents
// filed under one must stay valid.
func (s *Store) AddCategory(ctx context.Context, c incident.Category) error {
	err := s.write(ctx, func(tx *writeTx) error {
		var existing int64
		if err := tx.db.Model(&categoryRow{}).Where("kind = ?", c.Kind).Count(&existing).Error; err != nil {
			return err
		}
		if err := incident.ValidateCategory(c, int(existing)); err != nil {
			return err
		}
		if err := tx.db.Create(&categoryRow{Kind: string(c.Kind), Slug: c.Slug, Description: c.Description}).Error; err != nil {
			return err
		}
		return tx.recordChanges("category.create", "category", string(c.Kind)+"/"+c.Slug, nil, c)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &incident.Error{Code: incident.EINVALID, Message: "The category exists already.",
			Fields: map[string]string{"slug": "already exists"}}
	}
	return err
}
