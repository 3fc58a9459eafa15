// Package auth decides who is asking and what they may do: accounts with
// roles and argon2id passwords, API tokens, server-side sessions, the
// login rate limit, and single sign-on with OpenID Connect.
//
// It knows nothing of HTTP routing: package web turns requests into calls
// here, and package store keeps what this package decides (through the
// Store interface below, which *store.Store implements).
package auth
