// Package alertmanager reads Prometheus Alertmanager's webhook payload
// (version 4) and maps it onto the domain's alert notification: which
// service and severity an alert group's incident gets, and what each
// alert says on the timeline. The store applies the notification
// (incident.AlertGroup.Apply).
//
// The payload is decoded into a struct of ours that follows Alertmanager's
// own types (notify/webhook.Message over template.Data and template.Alert)
// field for field, rather than those types: importing notify/webhook brings
// in 320 packages (memberlist, gRPC, OpenTelemetry, Kafka, AWS) and turns a
// 2.9 MB program into a 21 MB one, and even template alone adds 4 MB. The
// test fixture testdata/notification.json is recorded from Alertmanager's
// own webhook notifier (testdata/record, a module of its own), so the
// struct is checked against what Alertmanager really sends.
package alertmanager
