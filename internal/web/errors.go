package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// statusOf maps domain error codes to HTTP statuses. It is the only place
// that does.
var statusOf = map[string]int{
	incident.EMALFORMED:    http.StatusBadRequest,
	incident.EUNAUTHORIZED: http.StatusUnauthorized,
	incident.EFORBIDDEN:    http.StatusForbidden,
	incident.ENOTFOUND:     http.StatusNotFound,
	incident.ECONFLICT:     http.StatusConflict,
	incident.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	incident.EINVALID:      http.StatusUnprocessableEntity,
	incident.ERATELIMIT:    http.StatusTooManyRequests,
	incident.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code           string            `json:"code"`
	Message        string            `json:"message"`
	Fields         map[string]string `json:"fields,omitempty"`
	CurrentVersion int               `json:"current_version,omitempty"`
	RequestID      string            `json:"request_id,omitempty"`
}

// writeError answers with err in the error shape and aborts the chain.
// Internal errors are logged with the request id and shown as a generic
// message: their text may hold paths, SQL or other internals.
func writeError(c *gin.Context, err error) {
	code := incident.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	detail := errorDetail{Code: code, Message: incident.ErrorMessage(err), RequestID: requestID(c)}
	var e *incident.Error
	if errors.As(err, &e) {
		detail.Fields = e.Fields
		detail.CurrentVersion = e.CurrentVersion
	}
	if status == http.StatusInternalServerError {
		logger(c).Error("internal error", "error", err.Error())
	}
	c.AbortWithStatusJSON(status, errorBody{Error: detail})
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}
