package web

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

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
	incident.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	incident.EINVALID:      http.StatusUnprocessableEntity,
	incident.ERATELIMIT:    http.StatusTooManyRequests,
	incident.EINTERNAL:     http.StatusInternalServerError,
	incident.EUNAVAILABLE:  http.StatusServiceUnavailable,
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
		if e.RetryAfter > 0 {
			c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
		}
	}
	switch status {
	case http.StatusInternalServerError:
		logger(c).Error("internal error", "error", err.Error())
	case http.StatusServiceUnavailable:
		logger(c).Warn("database unavailable", "error", err.Error(), "cause", fmt.Sprint(errors.Unwrap(err)))
	}
	if isPage(c) {
		writeErrorPage(c, status, detail)
		return
	}
	c.AbortWithStatusJSON(status, errorBody{Error: detail})
}

// writeErrorPage answers an error on a page as a page, with the request
// id to quote when asking for help.
func writeErrorPage(c *gin.Context, status int, detail errorDetail) {
	v := newView(c, http.StatusText(status), "error", struct {
		Heading, Message string
		Fields           map[string]string
	}{http.StatusText(status), detail.Message, detail.Fields})
	var buf bytes.Buffer
	if err := pageViews["error"].ExecuteTemplate(&buf, "layout", v); err != nil {
		logger(c).Error("error page", "error", err.Error())
		c.AbortWithStatus(status)
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}
