package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// translate maps the errors of a database that does not answer (it is
// down, restarting, out of connections, or too slow) to the domain's
// EUNAVAILABLE, which the API answers with 503 rather than 500. It is the
// one place that knows what those errors look like: the GORM dialects of
// both engines pass every error through it (Translate), and the store
// passes what it reads around GORM (transactions, row streams).
func translate(err error) error {
	if err == nil || !unavailable(err) {
		return err
	}
	var done *incident.Error
	if errors.As(err, &done) {
		return err // translated already
	}
	return &incident.Error{Code: incident.EUNAVAILABLE,
		Message: "The database does not answer; try again in a moment.", RetryAfter: 1, Cause: err}
}

// unavailable reports whether err says that the database could not be
// reached or did not answer in time, rather than that a query was wrong.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutting down, crashed, starting up
			return true
		case pgErr.Code == "53300": // too many connections
			return true
		case pgErr.Code == "57014", pgErr.Code == "55P03": // statement or lock timeout
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var sqliteErr sqlite3.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case pgconn.Timeout(err) && !errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &sqliteErr):
		// The file stayed locked by another process past the busy timeout.
		return sqliteErr.Code == sqlite3.ErrBusy || sqliteErr.Code == sqlite3.ErrLocked
	}
	return false
}

// retryable reports whether a write failed only because it met another at
// the wrong moment (PostgreSQL chose it as a deadlock's victim, or could
// not serialize it), so that doing it again is right.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}
