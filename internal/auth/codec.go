package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// sessionCodec encodes sessions as JSON, in place of scs's gob. JSON
// sorts a map's keys, so an unchanged session encodes to the same bytes,
// which lets SessionRows skip the write; gob follows Go's random map
// order. Sessions hold only strings and integers (int64).
type sessionCodec struct{}

type encodedSession struct {
	Deadline time.Time      `json:"deadline"`
	Values   map[string]any `json:"values"`
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	for k, v := range values {
		switch v.(type) {
		case string, int64:
		default:
			return nil, fmt.Errorf("session value %q is a %T; sessions hold strings and int64s", k, v)
		}
	}
	return json.Marshal(encodedSession{Deadline: deadline, Values: values})
}

func (sessionCodec) Decode(data []byte) (time.Time, map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var s encodedSession
	if err := dec.Decode(&s); err != nil {
		return time.Time{}, nil, err
	}
	values := make(map[string]any, len(s.Values))
	for k, v := range s.Values {
		switch v := v.(type) {
		case string:
			values[k] = v
		case json.Number:
			n, err := v.Int64()
			if err != nil {
				return time.Time{}, nil, fmt.Errorf("session value %q: %w", k, err)
			}
			values[k] = n
		default:
			return time.Time{}, nil, fmt.Errorf("session value %q is a %T", k, v)
		}
	}
	return s.Deadline, values, nil
}
