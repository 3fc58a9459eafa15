// Package webhooks sends Aftermath's events to the receivers admins
// register, as the Standard Webhooks specification says: each delivery is
// signed (webhook-id, webhook-timestamp, webhook-signature: v1 and the
// base64 HMAC-SHA256 of "id.timestamp.body") with a secret "whsec_…" shown
// once, and retried with exponential backoff and jitter for up to 24
// hours. Events come from the store's outbox, written in the transaction
// of the change they report; Worker claims them on a lease, so that
// several instances on one PostgreSQL never send one delivery twice at
// once, and an instance that dies mid-attempt loses only its lease.
//
// Receivers on loopback or private addresses are refused unless allowed
// (Targets), both when a webhook is registered and at every connection,
// so that a name that later resolves to an inner address (DNS rebinding)
// cannot turn the server against its own network.
//
// Reminders is the daily job that emits action_item.overdue.
package webhooks
