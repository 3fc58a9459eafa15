// Package archive moves post-mortems between the store and files. An
// export (a folder, or a zip with the same files) holds every post-mortem
// as markdown, each one's comments beside it, the service catalogue and
// the vocabularies (formats.go), all read from one snapshot of the store;
// importing it into an empty database restores what the API shows. An
// import reads every file's identity first, so that copies of one
// post-mortem are resolved together whatever their names, then parses on
// every core while the previous batch is written in one transaction.
//
// It is what `aftermath import`, `aftermath export` and GET
// /api/v1/export.zip share; POST /api/v1/import takes one post-mortem
// straight to the store, under the same rules.
package archive
