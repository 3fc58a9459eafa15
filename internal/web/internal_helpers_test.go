package web

import "encoding/json"

// jsonHasCode reports whether body is the error shape with code.
func jsonHasCode(body []byte, code string) bool {
	var e errorBody
	return json.Unmarshal(body, &e) == nil && e.Error.Code == code && e.Error.Message != ""
}
