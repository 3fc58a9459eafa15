// Package store persists Aftermath's domain through GORM, on SQLite or
// PostgreSQL, and is the one owner of the schema (migrations/sqlite and
// migrations/postgres).
//
// SQLite is the default. Its one rule that shapes this package: a database
// file has one writer at a time. The Store therefore holds two pools on the
// same file: a writer pool of exactly one connection whose transactions take
// the write lock up front (BEGIN IMMEDIATE), and a reader pool that WAL
// mode lets run beside it. Concurrent writers queue in Go for the one
// connection instead of failing with "database is locked".
//
// On PostgreSQL several instances share one database, so writes run
// concurrently: a write that reads before it changes locks what it read,
// an edit made at a version is a conditional UPDATE, and the audit head's
// row lock orders every instance's appends into one chain (see
// engine_postgres.go). What differs between the two engines sits behind
// the engine interface (engine.go), each engine in its own *_sqlite.go and
// *_postgres.go files; everything else is SQL both read alike.
//
// Rows are this package's own types; they are translated to and from the
// domain types of package incident at the edge, so the schema can change
// without the domain noticing.
package store
