// Package archive moves post-mortems between the store and files: it
// imports folders of markdown post-mortems in batched transactions, and
// exports incidents as markdown files into a folder or a zip archive.
//
// It is what `aftermath import`, `aftermath export`, POST /api/v1/import and
// GET /api/v1/export.zip share.
package archive
