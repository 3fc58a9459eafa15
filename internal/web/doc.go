// Package web is Aftermath's HTTP face: the JSON API under /api/v1, health
// and readiness probes, and (later) the server-rendered pages.
//
// Handlers are thin: decode the request, call the store or a domain
// package, encode the answer. Every error becomes an HTTP status in exactly
// one place, writeError.
package web
