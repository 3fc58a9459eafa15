package store

import (
	"encoding/json"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// info reads the catalogue fields of a service row. Tags and annotations
// are JSON columns; a row written before they existed, or by a write that
// set neither, holds "" and reads as none.
func (row *serviceRow) info() incident.ServiceInfo {
	info := incident.ServiceInfo{
		Description: row.Description, Kind: row.Kind, Type: row.Type, Owner: row.Owner,
		Lifecycle: row.Lifecycle, System: row.System,
		Tags: []string{}, Annotations: []incident.Annotation{},
	}
	// The columns hold only what setInfo wrote, so a decoding error cannot
	// happen short of a hand-edited database; the field then reads empty.
	if row.Tags != "" {
		_ = json.Unmarshal([]byte(row.Tags), &info.Tags)
	}
	if row.Annotations != "" {
		_ = json.Unmarshal([]byte(row.Annotations), &info.Annotations)
	}
	return info
}

// setInfo writes catalogue fields into a service row.
func (row *serviceRow) setInfo(info incident.ServiceInfo) error {
	tags, err := json.Marshal(nonNil(info.Tags))
	if err != nil {
		return err
	}
	annotations := info.Annotations
	if annotations == nil {
		annotations = []incident.Annotation{}
	}
	notes, err := json.Marshal(annotations)
	if err != nil {
		return err
	}
	row.Description, row.Kind, row.Type, row.Owner = info.Description, info.Kind, info.Type, info.Owner
	row.Lifecycle, row.System = info.Lifecycle, info.System
	row.Tags, row.Annotations = string(tags), string(notes)
	return nil
}

// updateInfo stores a service's catalogue fields and when they changed.
func updateInfo(tx *gorm.DB, key string, info incident.ServiceInfo, at int64) error {
	var row serviceRow
	if err := row.setInfo(info); err != nil {
		return err
	}
	return tx.Model(&serviceRow{}).Where("key = ?", key).Updates(map[string]any{
		"description": row.Description, "kind": row.Kind, "type": row.Type, "owner": row.Owner,
		"lifecycle": row.Lifecycle, "system": row.System, "tags": row.Tags, "annotations": row.Annotations,
		"updated_at": at,
	}).Error
}
