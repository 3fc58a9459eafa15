// Package store persists Aftermath's domain through GORM.
//
// SQLite is the default. Its one rule that shapes this package: a database
// file has one writer at a time. The Store therefore holds two pools on the
// same file: a writer pool of exactly one connection whose transactions take
// the write lock up front (BEGIN IMMEDIATE), and a reader pool that WAL
// mode lets run beside it. Concurrent writers queue in Go for the one
// connection instead of failing with "database is locked".
//
// Rows are this package's own types; they are translated to and from the
// domain types of package incident at the edge, so the schema can change
// without the domain noticing.
package store
